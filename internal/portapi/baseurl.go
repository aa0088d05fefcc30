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

// ResolveBaseURL picks the API base URL: flagURL when set, else envURL (the
// caller passes PORT_BASE_URL), else the region: "eu" (also for "") or "us".
//
// A URL may end with / or /v1 (the form some Port tools document); the
// result never does. Only http and https are accepted, and http only for a
// loopback host (127.0.0.0/8, ::1, localhost): anywhere else the client id
// and secret would cross the network in clear text. A URL with user
// information, a query or a fragment is refused as a likely mistake.
func ResolveBaseURL(flagURL, envURL, region string) (string, error) {
	raw, source := strings.TrimSpace(flagURL), "API URL"
	if raw == "" {
		raw, source = strings.TrimSpace(envURL), "PORT_BASE_URL"
	}
	if raw == "" {
		switch strings.ToLower(strings.TrimSpace(region)) {
		case "", "eu":
			return EUBaseURL, nil
		case "us":
			return USBaseURL, nil
		default:
			return "", fmt.Errorf("unknown Port region %q (valid: eu, us)", region)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input; say it once, in our words.
		return "", fmt.Errorf("%s %q is not a valid URL (example: %s)", source, raw, EUBaseURL)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", fmt.Errorf("%s %q must start with https:// (example: %s)", source, raw, EUBaseURL)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%s %q has no host (example: %s)", source, raw, EUBaseURL)
	case u.User != nil:
		// Not echoed: the user information may be a credential.
		return "", fmt.Errorf("%s must not carry user information (user@host): pass credentials in PORT_CLIENT_ID and PORT_CLIENT_SECRET", source)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("%s %q must not have a query or fragment", source, raw)
	case scheme == "http" && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("%s %q uses http://: the client secret and access token would travel in clear text; use https:// (http is accepted only for loopback hosts)", source, raw)
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	p = strings.TrimRight(strings.TrimSuffix(p, "/v1"), "/")
	return scheme + "://" + strings.ToLower(u.Host) + p, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
