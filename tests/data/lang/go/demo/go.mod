module example.com/moatdemo

go 1.19

require (
	example.com/localdep v0.0.0-00010101000000-000000000000
	github.com/pkg/errors v0.9.1
)

// A module replacement (reported as the replacement, with the original
// kept) and a directory replacement (reported with no version).
replace github.com/pkg/errors v0.9.1 => github.com/moat-test/errors v0.9.2

replace example.com/localdep => ./localdep
