package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/bot/sms/twiliotest"
	"github.com/tamkeen/tamkeen/contactimport"
)

// TestImportTheExampleListAndBroadcastToOneProgram is the issue's "done
// when": a newcomer imports the example list shipped in demo/, reads the
// report, sends a broadcast to one program's families in one governorate,
// and sees it go out by SMS in the fake, each family first told who writes
// and how to stop, and nobody else written to.
func TestImportTheExampleListAndBroadcastToOneProgram(t *testing.T) {
	dir := t.TempDir()
	const sid, token, from = "AC00000000000000000000000000000042", "0123456789abcdef0123456789abcdef", "+96824000000"
	fake := twiliotest.New(t, twiliotest.Config{AccountSID: sid, AuthToken: token, From: from, PublicURL: "https://tamkeen.example.org"})
	env := []string{
		"TAMKEEN_DB=" + filepath.Join(dir, "tamkeen.db"), "TAMKEEN_ADMIN_TOKEN=import-test-token", "TAMKEEN_QUIET_HOURS=",
		"TAMKEEN_DEMO_DATA=false", "TAMKEEN_PUBLIC_URL=https://tamkeen.example.org",
		"TWILIO_ACCOUNT_SID=" + sid, "TWILIO_AUTH_TOKEN=" + token, "TWILIO_FROM=" + from, "TWILIO_API_BASE_URL=" + fake.URL(),
	}

	list := exampleList(t, dir)
	code, stdout, stderr := runBinary(t, dir, env, "contacts", "import", "--source", "registry-2026", "--json", "--lang", "en", list)
	if code != exitOK {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	if rep := importReport(t, stdout); rep != (contactimport.Report{Created: 7, Rejected: 5}) {
		t.Fatalf("report %+v", rep)
	}
	rejected, err := os.ReadFile(filepath.Join(dir, "beneficiaries.rejected.csv"))
	if err != nil || strings.Count(string(rejected), "\n") != 6 {
		t.Fatalf("rejected rows (a header and five): %q, %v", rejected, err)
	}

	_, addr, logs := startServe(t, dir, env)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/broadcasts", strings.NewReader(`{
		"texts": {"ar": "يبدأ تدريب تمكين في صلالة يوم الأحد", "en": "The Tamkeen training in Salalah opens on Sunday"},
		"audience": {"fields": {"program": ["Takaful"]}, "governorates": ["dhofar"]}, "channels": ["sms"]}`))
	req.Header.Set("Authorization", "Bearer import-test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create broadcast: %d", resp.StatusCode)
	}

	families := map[string]string{ // Takaful in Dhofar, and their language
		"+96891234501": "ar", "+96891234502": "en", "+96891234503": "ar", "+96891234507": "ar",
	}
	deadline := time.Now().Add(30 * time.Second)
	waitUntil(t, 31*time.Second, "two texts to each Takaful family in Dhofar", func() bool {
		if time.Now().After(deadline) {
			t.Fatalf("sent %+v\nlogs:\n%s", fake.Messages(), logs.String())
		}
		for number := range families {
			if len(fake.To(number)) < 2 {
				return false
			}
		}
		return true
	})
	time.Sleep(200 * time.Millisecond) // anything more would have gone by now
	for number, lang := range families {
		got := fake.To(number)
		intro, stop, news := "وزارة التنمية الاجتماعية", "توقف", "يبدأ تدريب تمكين في صلالة يوم الأحد"
		if lang == "en" {
			intro, stop, news = "Ministry of Social Development", "STOP", "The Tamkeen training in Salalah opens on Sunday"
		}
		if len(got) != 2 || !strings.Contains(got[0], intro) || !strings.Contains(got[0], stop) || !strings.Contains(got[1], news) {
			t.Errorf("%s got %q\nlogs:\n%s", number, got, logs.String())
		}
	}
	for _, m := range fake.Messages() {
		if _, ok := families[m.To]; !ok {
			t.Errorf("%s is not a Takaful family in Dhofar, and got %q", m.To, m.Body)
		}
	}
	if n := len(fake.Messages()); n != 2*len(families) {
		t.Errorf("%d texts sent, want %d", n, 2*len(families))
	}
}
