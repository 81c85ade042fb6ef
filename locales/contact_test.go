package locales

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestEmbeddedPacksInventNoContact: no embedded pack sets a phone number,
// address or hours for its office: none of the articles gives one.
func TestEmbeddedPacksInventNoContact(t *testing.T) {
	eachPack(t, func(t *testing.T, b *Bundle) {
		if h := b.Content.Pack.Help; !h.Empty() {
			t.Errorf("the embedded pack sets a help contact its article does not give: %+v", h)
		}
	})
}

// TestHelpTomlFromTheContentDir: a deployment's countries/<cc>/help.toml
// sets the contact of that pack only; a wrong one stops the load naming
// what is wrong, whatever part is wrong.
func TestHelpTomlFromTheContentDir(t *testing.T) {
	write := func(t *testing.T, body string) string {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "countries", "eg"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "countries", "eg", "help.toml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dir := write(t, "phone = \"(02) 2345 6789\"\n[address]\nar = \"مديرية التضامن الاجتماعي بالمنيا\"\n[hours]\nen = \"9:00-15:00\"\n")
	eg, err := Load(dir, "EG")
	if err != nil {
		t.Fatal(err)
	}
	if h := eg.Content.Pack.Help; h.Phone != "(02) 2345 6789" || h.Address["ar"] != "مديرية التضامن الاجتماعي بالمنيا" || h.Hours["en"] != "9:00-15:00" {
		t.Errorf("help contact = %+v", h)
	}
	if jo, err := Load(dir, "JO"); err != nil || !jo.Content.Pack.Help.Empty() {
		t.Errorf("Egypt's help.toml reached Jordan: %+v, %v", jo.Content.Pack.Help, err)
	}
	for _, bad := range []struct{ body, says string }{
		{"phone = \"ring the bell\"\n", "phone"},
		{"phone = \"12\"\n", "phone"},
		{"phon = \"+20 2 2345 6789\"\n", "phon"},
		{"[address]\nfr = \"Minya\"\n", "address.fr"},
		{"[address]\nar = \"" + strings.Repeat("ع", MaxHelpAddress+1) + "\"\n", "address.ar"},
		{"[hours]\nar = \"9\\n15\"\n", "hours.ar"},
		{"[hours]\nen = \"   \"\n", "hours.en"},
		{"phone = +20\n", "help.toml"},
	} {
		if _, err := Load(write(t, bad.body), "EG"); err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("help.toml %q: %v, want an error naming %s", bad.body, err, bad.says)
		}
	}
}

// TestHelpPhoneCheck, over random strings: a number accepted is made only of
// digits and + - ( ) and spaces, with 3 to 15 digits, at most MaxHelpPhone
// long; and every such string is accepted.
func TestHelpPhoneCheck(t *testing.T) {
	pool := []rune("0123456789٠١٢٣٤٥٦٧٨٩ +-()aبx.#\n\u202e")
	rng := rand.New(rand.NewPCG(19, 19))
	for range 20000 {
		r := make([]rune, rng.IntN(24))
		for i := range r {
			r[i] = pool[rng.IntN(len(pool))]
		}
		s := string(r)
		digits, clean := 0, true
		for _, c := range r {
			switch {
			case unicode.IsDigit(c):
				digits++
			case strings.ContainsRune(" +-()", c):
			default:
				clean = false
			}
		}
		want := clean && digits >= 3 && digits <= 15 && len(r) <= MaxHelpPhone
		if got := CheckHelpPhone(s) == nil; got != want {
			t.Fatalf("CheckHelpPhone(%q) accepted = %v, want %v", s, got, want)
		}
	}
}
