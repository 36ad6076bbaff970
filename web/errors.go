package web

import "errors"

var (
	// ErrInvalidOption means an Option was given a value outside its
	// documented range; the wrapping error names the option.
	ErrInvalidOption = errors.New("web: invalid option; see the option's documentation for its range")

	// ErrAssets means the embedded viewer files are missing or do not
	// match each other: the package was built from a broken tree. Run
	// `go generate ./web` and rebuild.
	ErrAssets = errors.New("web: the embedded viewer assets are broken; run `go generate ./web` and rebuild")
)
