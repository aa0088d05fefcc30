package config

import (
	"strings"
	"testing"
)

func TestOwns(t *testing.T) {
	root := writeRepo(t, map[string]string{".port/gitops.yaml": "owns: [service, system]\n"})
	cfg, err := Load(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Owned("service") || !cfg.Owned("system") || cfg.Owned("team") {
		t.Errorf("Owns = %v", cfg.Owns)
	}
	for _, c := range []struct{ yaml, want string }{
		{"owns: service\n", "1:7: owns must be a list"},
		{"owns: [a, a]\n", "1:11: owns: blueprint \"a\" is listed twice"},
		{"owns: [[a]]\n", "1:8: owns: each item is a blueprint identifier"},
		{"own: [a]\n", `did you mean "owns"`},
	} {
		root := writeRepo(t, map[string]string{".port/gitops.yaml": c.yaml})
		if _, err := Load(root, ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
}
