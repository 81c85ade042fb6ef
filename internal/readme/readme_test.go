package readme

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var backticked = regexp.MustCompile("`([^`]+)`")

// TestPackageTableMatchesTheTree: the README's "package | owns" table names
// every Go package of the module, and nothing that is not one. A name in
// "(+ `x`)" is the row's package's sub-package x.
func TestPackageTableMatchesTheTree(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := tablePackages(t, string(readme))
	tree := goPackages(t, root)
	for _, p := range tree {
		if !listed[p] {
			t.Errorf("package %s is missing from the README's package table", p)
		}
	}
	for p := range listed {
		if !slices.Contains(tree, p) {
			t.Errorf("the README's package table lists %s, which is not a package", p)
		}
	}
}

// tablePackages reads the first column of the table whose header is "package | owns".
func tablePackages(t *testing.T, readme string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	in := false
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case strings.HasPrefix(line, "| package | owns |"):
			in = true
			continue
		case !in:
			continue
		case !strings.HasPrefix(line, "|"):
			in = false
			continue
		case strings.HasPrefix(line, "|---"):
			continue
		}
		first := strings.SplitN(strings.Trim(line, "|"), "|", 2)[0]
		main, subs, _ := strings.Cut(first, "(+")
		var parents []string
		for _, m := range backticked.FindAllStringSubmatch(main, -1) {
			parents = append(parents, m[1])
			out[m[1]] = true
		}
		for _, m := range backticked.FindAllStringSubmatch(subs, -1) {
			if len(parents) == 0 {
				t.Fatalf("row %q names sub-packages without a package", line)
			}
			out[path.Join(parents[len(parents)-1], m[1])] = true
		}
	}
	if len(out) == 0 {
		t.Fatal("no package table found in README.md")
	}
	return out
}

// goPackages lists the module's directories that hold Go files, as slash paths.
func goPackages(t *testing.T, root string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && p != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") {
			rel, err := filepath.Rel(root, filepath.Dir(p))
			if err != nil {
				return err
			}
			if rel != "." {
				seen[filepath.ToSlash(rel)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
