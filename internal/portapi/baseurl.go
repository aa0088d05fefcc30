package portapi

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Base URLs of Port's regions. They are origins: every route adds /v1/....
// api.getport.io is the host every official Port client still uses by
// default; api.port.io answers the same.
const (
	EUBaseURL = "https://api.getport.io"
	USBaseURL = "https://api.us.getport.io"
)

// ResolveBaseURL picks the API base URL. Explicit flags win over the
// environment: flagURL (--api-url) when set, else region (--region) when
// set, else envURL (the caller passes PORT_BASE_URL), else the EU region.
// region, when not empty, must be "eu" or "us" whatever else is set, so a
// mistyped region is never silently ignored.
//
// A URL may end with / or /v1 (the form some Port tools document); the
// result never does. Only http and https are accepted, and http only for a
// loopback host (127.0.0.0/8, ::1, localhost): anywhere else the client id
// and secret would cross the network in clear text. A URL with user
// information, a query or a fragment is refused as a likely mistake. Error
// messages show a URL without its user information, query and fragment
// (see DisplayURL), since a secret pasted there must not reach a CI log.
func ResolveBaseURL(flagURL, envURL, region string) (string, error) {
	regionURL := ""
	switch strings.ToLower(strings.TrimSpace(region)) {
	case "":
	case "eu":
		regionURL = EUBaseURL
	case "us":
		regionURL = USBaseURL
	default:
		return "", fmt.Errorf("unknown Port region %q (valid: eu, us)", region)
	}
	raw, source := strings.TrimSpace(flagURL), "API URL"
	if raw == "" && regionURL != "" {
		return regionURL, nil
	}
	if raw == "" {
		raw, source = strings.TrimSpace(envURL), "PORT_BASE_URL"
	}
	if raw == "" {
		return EUBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Neither the input nor url.Error (which repeats it) is shown: a
		// URL that does not parse cannot be shown without what may be a
		// secret in it.
		return "", fmt.Errorf("%s is not a valid URL (example: %s)", source, EUBaseURL)
	}
	shown := DisplayURL(u)
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", fmt.Errorf("%s %q must start with https:// (example: %s)", source, shown, EUBaseURL)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%s %q has no host (example: %s)", source, shown, EUBaseURL)
	case u.User != nil:
		return "", fmt.Errorf("%s %q must not carry user information (user@host): pass credentials in PORT_CLIENT_ID and PORT_CLIENT_SECRET", source, shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("%s %q must not have a query or fragment (not shown here)", source, shown)
	case scheme == "http" && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("%s %q uses http://: the client secret and access token would travel in clear text; use https:// (http is accepted only for loopback hosts)", source, shown)
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	p = strings.TrimRight(strings.TrimSuffix(p, "/v1"), "/")
	return scheme + "://" + strings.ToLower(u.Host) + p, nil
}

// DisplayURL renders u for a message: scheme, host and path, without user
// information, query or fragment, where a pasted secret would sit. A URL
// without a scheme (a bare word) is shown by its path only.
func DisplayURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	if v.Scheme == "" && v.Host == "" {
		// A relative reference: url.Parse put everything before a ? in Path;
		// an opaque "host:port" form lands in Opaque, which is not shown.
		return v.EscapedPath()
	}
	return v.String()
}

func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
