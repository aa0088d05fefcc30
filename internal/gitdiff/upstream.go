package gitdiff

import (
	"path/filepath"
	"strings"
)

// Upstream returns the remote-tracking ref of branch's upstream, as git's
// @{upstream} does: branch.<name>.remote and branch.<name>.merge, mapped
// through the usual refs/remotes/<remote>/ layout ("refs/remotes/origin/main").
// ok is false when the branch has no upstream, or when its upstream is a
// local branch (remote ".") whose ref is returned as refs/heads/<name>.
func (r *Repo) Upstream(branch string) (ref string, ok bool) {
	if branch == "" {
		return "", false
	}
	cfg, err := readConfig(filepath.Join(r.commonDir, "config"))
	if err != nil {
		return "", false
	}
	var remote, merge string
	for _, s := range cfg.Sections {
		if !s.IsName("branch") {
			continue
		}
		for _, ss := range s.Subsections {
			if ss.Name != branch {
				continue
			}
			if v := ss.Options.Get("remote"); v != "" {
				remote = v
			}
			if v := ss.Options.Get("merge"); v != "" {
				merge = v
			}
		}
	}
	if remote == "" || merge == "" || !strings.HasPrefix(merge, "refs/heads/") {
		return "", false
	}
	name := strings.TrimPrefix(merge, "refs/heads/")
	if remote == "." {
		return "refs/heads/" + name, true
	}
	return "refs/remotes/" + remote + "/" + name, true
}
