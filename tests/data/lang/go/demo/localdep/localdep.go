// Package localdep is a dependency replaced by a local directory.
package localdep

// Name is printed by the demo.
const Name = "localdep"
