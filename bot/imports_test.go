package bot

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tamkeen/tamkeen"

// TestChannelsNeedNoDatabaseOrConversation keeps bot and every channel
// neutral: a channel turns provider payloads into inputs and sends outputs,
// and the inbox and flows decide the rest. bot is imported by every
// channel, so whatever it pulls in, every channel drags along. The test
// walks each package's imports inside this module, transitively, by
// parsing the non-test Go files, and fails when the store (gorm and both
// drivers), the inbox or the conversation rules (flows) are reached.
func TestChannelsNeedNoDatabaseOrConversation(t *testing.T) {
	forbidden := map[string]bool{module + "/store": true, module + "/flows": true, module + "/inbox": true}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []string{"bot", "bot/console", "bot/sms", "bot/telegram", "bot/web", "bot/whatsapp", "bot/whatsapp/whatsapptest"} {
		t.Run(start, func(t *testing.T) {
			via := map[string]string{module + "/" + start: ""} // package → the package that imported it
			queue := []string{module + "/" + start}
			for len(queue) > 0 {
				pkg := queue[0]
				queue = queue[1:]
				for _, imp := range moduleImports(t, root, pkg) {
					if _, seen := via[imp]; seen {
						continue
					}
					via[imp] = pkg
					if forbidden[imp] {
						t.Errorf("%s depends on %s: %s", start, imp, chain(via, imp))
						continue
					}
					queue = append(queue, imp)
				}
			}
			if len(via) < 3 {
				t.Fatalf("walked only %v: the walk did not find %s's imports", via, start)
			}
		})
	}
}

// moduleImports lists the packages of this module that pkg's non-test files import.
func moduleImports(t *testing.T, root, pkg string) []string {
	t.Helper()
	dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, module)))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", pkg, err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				t.Fatalf("import in %s: %v", name, err)
			}
			if path == module || strings.HasPrefix(path, module+"/") {
				out = append(out, path)
			}
		}
	}
	return out
}

// chain shows how pkg was reached: "bot → locales → store".
func chain(via map[string]string, pkg string) string {
	var names []string
	for p := pkg; p != ""; p = via[p] {
		names = append([]string{strings.TrimPrefix(p, module+"/")}, names...)
	}
	return strings.Join(names, " → ")
}
