package report

import "errors"

// ErrUsage means the command line is wrong; the message says which flag.
var ErrUsage = errors.New("report: bad usage (see -h)")

// ErrNoScenarios means --corpora holds no corpus: no subdirectory with PNG
// frames 000000.png, ... Record some with `bench record --scenario all`.
var ErrNoScenarios = errors.New("report: no scenario corpora found (record them with `bench record --scenario all --out DIR`)")

// ErrNoResults means there is nothing to report: every codec failed, or the
// results file is empty.
var ErrNoResults = errors.New("report: no results to report (check the errors above, or the --results file)")

// ErrInvalidOption means an Option value is out of its documented range.
var ErrInvalidOption = errors.New("report: invalid option value (see the option's documented range)")
