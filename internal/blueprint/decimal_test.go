package blueprint

import (
	"math/big"
	"testing"
)

// ratDecimal is the oracle: big.Rat, for numbers it holds cheaply.
func ratOf(t testing.TB, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("big.Rat cannot read %q", s)
	}
	return r
}

var decimalCases = []string{
	"0", "-0", "0.0", "0e5", "1", "-1", "+1", "1.0", "1.50", "10", "100", "1e2", "1E+2", "0.01e4",
	"123.456", "123.4560", "-123.456", "0.000123", "1.23e-4", "12.3e-5", "9007199254740993",
	"9007199254740992", "1e308", "1.7976931348623157e308", "2e308", "-2e308", "5e-324", "1e-330",
	"3", "2.9999999999999999999999", "3.0000000000000000000001", "-3.0000000000000000000001",
	"00012", "0.5", "-0.5", "1e-1", "10e-2", "0.1",
}

func TestDecimalAgreesWithBigRat(t *testing.T) {
	for _, a := range decimalCases {
		da, ok := parseDecimal(a)
		if !ok {
			t.Fatalf("parseDecimal(%q) failed", a)
		}
		ra := ratOf(t, a)
		if got, want := da.isInt(), ra.IsInt(); got != want {
			t.Errorf("isInt(%q) = %v, big.Rat says %v", a, got, want)
		}
		for _, b := range decimalCases {
			db, _ := parseDecimal(b)
			if got, want := da.cmp(db), ra.Cmp(ratOf(t, b)); got != want {
				t.Errorf("cmp(%q, %q) = %d, big.Rat says %d", a, b, got, want)
			}
			if (da.canonical() == db.canonical()) != (ra.Cmp(ratOf(t, b)) == 0) {
				t.Errorf("canonical(%q) = %q, canonical(%q) = %q, disagreeing with equality", a, da.canonical(), b, db.canonical())
			}
		}
	}
}

func TestDecimalRefusesWhatIsNotANumber(t *testing.T) {
	for _, s := range []string{"", "-", "+", ".5", "1.", "1e", "1e+", "0x10", "1_000", "inf", "NaN", "1.2.3", "1e5.5", " 1"} {
		if _, ok := parseDecimal(s); ok {
			t.Errorf("parseDecimal(%q) accepted it", s)
		}
	}
}

// Numbers far beyond float64 compare, test and print in time linear in
// their text: big.Rat would build 10^exponent for each.
func TestDecimalHugeExponents(t *testing.T) {
	big1, _ := parseDecimal("1e9999999")
	big2, _ := parseDecimal("1.0000000001e9999999")
	tiny, _ := parseDecimal("1.5e-9999999")
	huge, _ := parseDecimal("7e99999999999999999999999")
	if big1.cmp(big2) != -1 || big2.cmp(big1) != 1 || big1.cmp(big1) != 0 {
		t.Error("1e9999999 < 1.0000000001e9999999 not seen")
	}
	if huge.cmp(big1) != 1 || tiny.cmp(big1) != -1 {
		t.Error("ordering of huge and tiny exponents wrong")
	}
	if !big1.isInt() || tiny.isInt() {
		t.Error("isInt of huge/tiny exponents wrong")
	}
	if got := big2.short(); got != "1e+9999999" {
		t.Errorf("short = %q", got)
	}
	if got := tiny.short(); got != "1.5e-9999999" {
		t.Errorf("short = %q", got)
	}
	if big1.moderate() || tiny.moderate() {
		t.Error("moderate() accepted an exponent big.Rat would choke on")
	}
}

func FuzzDecimalAgreesWithBigRat(f *testing.F) {
	for _, c := range decimalCases {
		f.Add(c, "1.5")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		da, oka := parseDecimal(a)
		db, okb := parseDecimal(b)
		if !oka || !okb || !da.moderate() || !db.moderate() || len(a) > 200 || len(b) > 200 {
			return
		}
		ra, ok1 := new(big.Rat).SetString(a)
		rb, ok2 := new(big.Rat).SetString(b)
		if !ok1 || !ok2 {
			return // big.Rat refuses a zero with a huge exponent (0e99999999999999999999)
		}
		if da.cmp(db) != ra.Cmp(rb) {
			t.Fatalf("cmp(%q, %q) = %d, big.Rat %d", a, b, da.cmp(db), ra.Cmp(rb))
		}
		if da.isInt() != ra.IsInt() {
			t.Fatalf("isInt(%q) = %v, big.Rat %v", a, da.isInt(), ra.IsInt())
		}
	})
}
