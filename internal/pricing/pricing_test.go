package pricing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCents(t *testing.T) {
	for _, c := range []struct {
		in   MicroUSD
		want string
	}{
		{0, "0.00"},
		{USD(73), "73.00"},
		{4999, "0.00"},
		{5000, "0.01"},
		{USD(0.045) * HoursPerMonth, "32.85"},
		{USD(1234.565), "1234.57"},
	} {
		if got := c.in.Cents(); got != c.want {
			t.Errorf("%d.Cents() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    MicroUSD
		wantErr bool
	}{
		{"0.037296", 37296, false},
		{"73.00", USD(73), false},
		{"1", USD(1), false},
		{"0.1234567", 0, true},
		{"-1", 0, true},
		{"", 0, true},
		{"1.2.3", 0, true},
	} {
		got, err := ParseRate(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, error %t", c.in, got, err, c.want, c.wantErr)
		}
	}
	// What Rate writes, ParseRate reads back.
	if got, _ := ParseRate(MicroUSD(1037296).Rate()); got != 1037296 {
		t.Errorf("round trip of Rate: %d", got)
	}
}

func TestNodeRates(t *testing.T) {
	r, _ := For("us-east-1")
	got, err := r.NodeRates()
	if err != nil {
		t.Fatal(err)
	}
	// c6a.large 0.0765 + 0.00918 and m6a.large 0.0864 + 0.010368: 4 GiB
	// more cost 0.011088, so a GiB 0.002772 and a vCPU
	// (0.08568 - 4 x 0.002772) / 2.
	want := NodeRates{VCPUHour: 37296, GiBHour: 2772}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("NodeRates (-want +got):\n%s", d)
	}
}

// Every region prices every item the others do, from an AWS page, with a
// date, so that a platform's estimate never depends on its region's gaps.
func TestTableComplete(t *testing.T) {
	if len(Regions()) < 3 {
		t.Fatalf("the table covers %v; want at least three regions", Regions())
	}
	ref, _ := For("us-east-1")
	for _, name := range Regions() {
		r, _ := For(name)
		if r.Date == "" {
			t.Errorf("%s has no date", name)
		}
		for i := range ref.Prices {
			p, err := r.Price(i)
			if err != nil {
				t.Error(err)
				continue
			}
			if p.Amount <= 0 || p.Source == "" {
				t.Errorf("%s %s: %+v has no amount or source", name, i, p)
			}
		}
		if len(r.Prices) != len(ref.Prices) {
			t.Errorf("%s has %d prices, us-east-1 %d", name, len(r.Prices), len(ref.Prices))
		}
		if _, err := r.NodeRates(); err != nil {
			t.Error(err)
		}
	}
	if _, err := ref.Price("ec2/x9.huge"); err == nil {
		t.Error("an unknown item has a price")
	}
}
