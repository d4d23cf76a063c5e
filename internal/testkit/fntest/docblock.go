package fntest

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// DocBlock is a block of a document that a test computes, between two
// marker lines: docs/cost.md's tables, for one.
type DocBlock struct {
	Path, Begin, End string
	// Doc is the whole document, for tests that compute the block from the
	// rest of it.
	Doc  string
	i, j int
}

// ReadDocBlock reads path and finds the block between begin and end.
func ReadDocBlock(t *testing.T, path, begin, end string) DocBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q block", path, begin, end)
	}
	return DocBlock{Path: path, Begin: begin, End: end, Doc: doc, i: i, j: j}
}

// Content is what the document has between the markers now.
func (d DocBlock) Content() string {
	return d.Doc[d.i+len(d.Begin) : d.j]
}

// Check fails t if the block is not want, or, when the environment
// variable update is 1, rewrites the block to want. what names the block
// in the failure, which says how to rewrite it.
func (d DocBlock) Check(t *testing.T, want, update, test, what string) {
	t.Helper()
	if os.Getenv(update) == "1" {
		if err := os.WriteFile(d.Path, []byte(d.Doc[:d.i+len(d.Begin)]+want+d.Doc[d.j:]), 0o644); err != nil { //nolint:gosec // A doc in the repo.
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want, d.Content()); diff != "" {
		t.Errorf("%s's %s differs from what the functions compute (%s=1 go test -run %s rewrites it) (-want +got):\n%s", d.Path, what, update, test, diff)
	}
}
