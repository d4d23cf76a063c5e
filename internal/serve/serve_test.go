package serve

import (
	"testing"
	"time"

	"github.com/alecthomas/kong"
)

func TestPollInterval(t *testing.T) {
	cases := map[string]struct {
		args []string
		want time.Duration
	}{
		"DefaultIsTheSDKsMinute": {want: time.Minute},
		"Set":                    {args: []string{"--poll-interval=15s"}, want: 15 * time.Second},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var cli struct {
				Options `embed:""`
			}
			p, err := kong.New(&cli)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if cli.PollInterval != tc.want {
				t.Errorf("Parse(%q): PollInterval %s, want %s", tc.args, cli.PollInterval, tc.want)
			}
		})
	}
}

func TestMaxRecvMessageSizeDefault(t *testing.T) {
	var cli struct {
		Options `embed:""`
	}
	p, err := kong.New(&cli)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if cli.MaxRecvMessageSize != MaxRecvMessageSizeMB {
		t.Errorf("--max-recv-message-size defaults to %d MB, want MaxRecvMessageSizeMB, %d", cli.MaxRecvMessageSize, MaxRecvMessageSizeMB)
	}
}
