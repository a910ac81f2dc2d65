// Demo program for moat's Go build-info tests: two dependencies, both replaced.
package main

import (
	"fmt"

	"example.com/localdep"
	"github.com/pkg/errors"
)

func main() {
	fmt.Println(errors.Wrap(fmt.Errorf("%s", localdep.Name), "moat demo"))
}
