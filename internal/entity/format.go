package entity

import (
	"path"
	"strings"
)

// Format is how an entity file is written: JSON or YAML.
type Format uint8

// The formats of an entity file. FormatAuto, the zero value, decides by
// the file's name (see FormatOf).
const (
	FormatAuto Format = iota
	FormatJSON
	FormatYAML
)

// String returns "auto", "json" or "yaml".
func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatYAML:
		return "yaml"
	}
	return "auto"
}

// FormatOf returns f itself unless it is FormatAuto; then FormatYAML for a
// name ending in .yml or .yaml (in any case), FormatJSON otherwise.
func FormatOf(f Format, name string) Format {
	if f != FormatAuto {
		return f
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".yml", ".yaml":
		return FormatYAML
	}
	return FormatJSON
}

// ParseAs parses data as format f (FormatAuto is JSON): ParseIn for JSON,
// ParseYAML for YAML. The tree, diagnostics and errors are alike for
// both, so a caller needs no branch per format.
func ParseAs(a *Arena, f Format, data []byte) (*Value, []Diagnostic, error) {
	if f == FormatYAML {
		return ParseYAML(data)
	}
	return ParseIn(a, data)
}
