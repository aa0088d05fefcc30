package entity

import (
	"encoding/json"
	"strings"
	"testing"
)

// benchEntity is a realistic entity file: about 40 lines, nested
// properties, relations with arrays, a few escapes and non-ASCII text.
const benchEntity = `{
  "identifier": "notification-microservice",
  "title": "Notification Service",
  "icon": "Microservice",
  "blueprint": "microservice",
  "team": ["platform", "sre-oncall"],
  "properties": {
    "url": "https://www.github.com/acme/notification",
    "language": "Go",
    "description": "Sends e-mail, SMS and push notifications \u2014 owned by Platform.",
    "tier": "tier-1",
    "replicas": 3,
    "cpuLimit": 0.5,
    "public": false,
    "lastDeploy": "2024-11-03T10:15:00Z",
    "slackChannel": "#notifications",
    "readme": "# Notification service\n\nRun ` + "`make dev`" + ` to start it.",
    "labels": {
      "cost-center": "CC-1042",
      "region": "eu-west-1",
      "owner": "Zoë Müller"
    },
    "endpoints": [
      {"path": "/v1/send", "method": "POST", "rateLimit": 1000},
      {"path": "/v1/status/{id}", "method": "GET", "rateLimit": 5000}
    ],
    "sla": {"availability": 99.95, "latencyP99Ms": 250}
  },
  "relations": {
    "system": "messaging",
    "domain": "customer-engagement",
    "dependencies": [
      "user-service",
      "template-service",
      "email-gateway",
      "sms-gateway"
    ],
    "consumers": ["checkout", "billing", "auth"],
    "onCall": null
  }
}
`

func BenchmarkParse(b *testing.B) {
	data := []byte(benchEntity)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseArray parses a catalog file of 100 entities, to show that
// cost grows linearly with size.
func BenchmarkParseArray(b *testing.B) {
	data := []byte("[" + strings.Repeat(benchEntity+",", 99) + benchEntity + "]")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAndExtract is what validate does per file before the
// blueprint checks: parse, extract, and build the properties' Go values.
func BenchmarkParseAndExtract(b *testing.B) {
	data := []byte(benchEntity)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		root, _, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		ents, _ := Extract(root)
		_ = ents[0].Node.Get("properties").Interface()
	}
}

// BenchmarkUnmarshalReference is encoding/json decoding the same file into
// any, for scale: it keeps no positions and finds no duplicate keys.
func BenchmarkUnmarshalReference(b *testing.B) {
	data := []byte(benchEntity)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
