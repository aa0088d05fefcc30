package sync

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"sync"
)

// ciBefore returns the commit the CI system says the push started from, or
// "" when it says none: GitHub Actions' push event "before", GitLab's
// CI_COMMIT_BEFORE_SHA. All-zero values (a new branch, merge-request,
// scheduled and manual pipelines) mean none.
func ciBefore(getenv func(string) string, readFile func(string) ([]byte, error)) (sha, source string) {
	if getenv("GITHUB_ACTIONS") == "true" && getenv("GITHUB_EVENT_NAME") == "push" {
		if p := getenv("GITHUB_EVENT_PATH"); p != "" {
			if data, err := readFile(p); err == nil {
				var ev struct {
					Before string `json:"before"`
				}
				if json.Unmarshal(data, &ev) == nil && !isZeroSHA(ev.Before) {
					return ev.Before, "the GitHub push event's before commit"
				}
			}
		}
	}
	if getenv("GITLAB_CI") == "true" {
		if s := getenv("CI_COMMIT_BEFORE_SHA"); !isZeroSHA(s) {
			return s, "CI_COMMIT_BEFORE_SHA"
		}
	}
	return "", ""
}

func isZeroSHA(s string) bool {
	return strings.Trim(s, "0") == ""
}

// repoName names the repository for the sync state: the CI's own name for
// it, else the origin remote's URL reduced to host/path, else the
// directory's name.
func repoName(getenv func(string) string, originURL, dirName string) string {
	if r := getenv("GITHUB_REPOSITORY"); r != "" {
		host := strings.TrimPrefix(strings.TrimPrefix(getenv("GITHUB_SERVER_URL"), "https://"), "http://")
		if host == "" {
			host = "github.com"
		}
		return host + "/" + r
	}
	if r := getenv("CI_PROJECT_PATH"); r != "" {
		host := getenv("CI_SERVER_HOST")
		if host == "" {
			host = "gitlab"
		}
		return host + "/" + r
	}
	if originURL != "" {
		return normalizeRemote(originURL)
	}
	return dirName
}

// Compiled on first use, not at start: most runs of the binary are
// validate, which never needs them.
var scpLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[^@/]+@)?([^:/]+):(.+)$`) })

// normalizeRemote turns git@host:org/repo.git, https://user@host/org/repo.git
// and ssh://git@host/org/repo into host/org/repo, dropping credentials.
func normalizeRemote(u string) string {
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
			rest = rest[at+1:]
		}
		return rest
	}
	if m := scpLike().FindStringSubmatch(u); m != nil {
		return m[1] + "/" + m[2]
	}
	return u
}

// branchName is the branch being synced: the CI's branch, else the branch
// HEAD points at.
func branchName(getenv func(string) string, headBranch string) string {
	for _, k := range []string{"GITHUB_REF_NAME", "CI_COMMIT_BRANCH"} {
		if b := getenv(k); b != "" {
			return b
		}
	}
	return headBranch
}

var notIdentifier = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\p{L}0-9@_.+:/=-]+`) })

// stateIdentifier is the identifier of the sync-state entity of a
// repository and branch: repo@branch, with characters Port does not allow in
// identifiers replaced by "-".
func stateIdentifier(repo, branch string) string {
	return notIdentifier().ReplaceAllString(repo+"@"+branch, "-")
}

func readFileOS(p string) ([]byte, error) { return os.ReadFile(p) }
