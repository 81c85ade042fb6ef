package staffapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/httpapi"
	"github.com/tamkeen/tamkeen/metrics"
	"github.com/tamkeen/tamkeen/notifier"
	"github.com/tamkeen/tamkeen/staffapi"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
)

// importEnv is the API with contact import on s, taking lists of up to maxBytes.
func importEnv(t *testing.T, s *store.Store, clk clock.Clock, maxBytes int64) env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bs := notifier.NewBroadcasts(s, clk, log, nil, notifier.BroadcastConfig{})
	h := httpapi.New("127.0.0.1:0", s, metrics.New(), log)
	b := words(t)
	h.Upload(staffapi.ImportRoute, maxBytes, time.Minute)
	staffapi.New(s, bs, clk, log, staffapi.Config{Token: token, Region: "OM", Languages: b.Languages(),
		Governorates: b.Content.Governorates, Tracks: b.Content.Tracks, Location: muscat, Words: b,
		Importer: contactimport.New(s, b, "OM")}).Mount(h)
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return env{srv: srv, store: s, bs: bs}
}

func (e env) upload(t *testing.T, query, contentType, body string) (int, string) {
	t.Helper()
	return e.request(t, "POST", "/api/v1/contacts/import"+query, body, http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {contentType}})
}

type importAnswer struct {
	contactimport.Report
	DryRun       bool `json:"dry_run"`
	RejectedRows []struct {
		Line    int
		Reason  string
		Message string
	} `json:"rejected_rows"`
}

func exampleCSV(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../demo/beneficiaries-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestContactImportAPI(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		list := exampleCSV(t)
		e := importEnv(t, s, clock.NewManual(t0), int64(len(list)+100))
		refused := []struct {
			name, query, ctype, body string
			code                     int
			say                      string
		}{
			{"not csv", "?source=r", "application/json", list, 415, "text/csv"},
			{"no source", "", "text/csv", list, 400, "source"},
			{"bad dry_run", "?source=r&dry_run=maybe", "text/csv", list, 400, "dry_run"},
			{"bad lang", "?source=r&lang=fr", "text/csv", list, 400, "lang"},
			{"no phone column", "?source=r", "text/csv", "name\nSalma\n", 400, "no phone column"},
			{"too large", "?source=r", "text/csv", list + strings.Repeat("91234567\n", 100), 413, "bytes"},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				code, body := e.upload(t, c.query, c.ctype, c.body)
				if code != c.code || !strings.Contains(body, c.say) {
					t.Fatalf("%d %s, want %d mentioning %q", code, body, c.code, c.say)
				}
			})
		}
		if n, _ := s.ListContacts(context.Background(), store.ContactFilter{Limit: 10}); len(n) != 0 {
			t.Fatalf("a refused import added %d contacts", len(n))
		}

		for i, q := range []string{"?source=registry-2026&dry_run=1&lang=en", "?source=registry-2026", "?source=registry-2026"} {
			code, body := e.upload(t, q, "text/csv; charset=utf-8", list)
			var got importAnswer
			if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
				t.Fatalf("%s: %d %s", q, code, body)
			}
			want := contactimport.Report{Created: 7, Rejected: 5}
			if i == 2 {
				want = contactimport.Report{Unchanged: 7, Rejected: 5}
			}
			if got.Report != want || got.DryRun != (i == 0) || len(got.RejectedRows) != 5 {
				t.Fatalf("%s: %+v", q, got)
			}
			if r := got.RejectedRows[0]; r.Line != 9 || r.Reason != contactimport.ReasonPhoneInvalid || (i == 0 && r.Message != "phone: not a valid phone number.") {
				t.Fatalf("%s: first rejected row %+v", q, r)
			}
		}

		code, body := e.do(t, "GET", "/api/v1/contacts?field.program=Takaful&governorate=dhofar", token, "")
		var page struct {
			Items []struct {
				Phone        string
				Fields       map[string]string
				ImportSource string `json:"import_source"`
			}
		}
		if code != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Items) != 4 {
			t.Fatalf("Takaful in Dhofar: %d %s", code, body)
		}
		for _, c := range page.Items {
			if c.Fields["program"] != "Takaful" || c.ImportSource != "registry-2026" || c.Fields["beneficiary_id"] == "" {
				t.Fatalf("contact %+v", c)
			}
		}
		if code, body := e.do(t, "GET", "/api/v1/contacts?field.program=Takaful&field.program=Karama&source=registry-2026", token, ""); code != 200 || strings.Count(body, `"program"`) != 7 {
			t.Fatalf("Takaful or Karama: %d %s", code, body)
		}
		if code, body := e.do(t, "GET", "/api/v1/contacts?source=another", token, ""); code != 200 || !strings.Contains(body, `"items":[]`) {
			t.Fatalf("another source: %d %s", code, body)
		}
	})
}

func TestContactFieldEditedByStaff(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := importEnv(t, s, clock.NewManual(t0), 1<<20)
		c := addContact(t, s, "+96891234567", 0, "dhofar")
		path := "/api/v1/contacts/" + itoa(c.ID) + "/fields/Program"
		for _, tt := range []struct {
			body string
			code int
			want map[string]string
		}{
			{`{"value": "Takaful"}`, 200, map[string]string{"program": "Takaful"}},
			{`{"value": "Taka\u202eful"}`, 400, map[string]string{"program": "Takaful"}},
			{`{}`, 400, map[string]string{"program": "Takaful"}},
			{`{"value": ""}`, 200, map[string]string{}},
		} {
			code, body := e.do(t, "PUT", path, token, tt.body)
			got, err := s.ContactFields(ctx, c.ID)
			if code != tt.code || err != nil || len(got) != len(tt.want) || got["program"] != tt.want["program"] {
				t.Fatalf("%s: %d %s, fields %v", tt.body, code, body, got)
			}
		}
		if code, _ := e.do(t, "PUT", "/api/v1/contacts/99999/fields/program", token, `{"value": "x"}`); code != 404 {
			t.Fatalf("a missing contact: %d", code)
		}
		if code, _ := e.do(t, "PUT", "/api/v1/contacts/"+itoa(c.ID)+"/fields/phone", token, `{"value": "x"}`); code != 400 {
			t.Fatalf("phone as a field: %d", code)
		}
		log, err := s.AuditLog(ctx, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range log {
			if ev.Action == "contact_field" && ev.Target == path {
				n++
			}
		}
		if n != 4 {
			t.Fatalf("%d field changes in the audit log, want every one of the 4 attempts", n)
		}
	})
}

// TestBroadcastToAProgramInAGovernorate: an audience by field and
// governorate reaches exactly the imported families it names, opted-out
// ones aside, and the estimate says so before it is sent.
func TestBroadcastToAProgramInAGovernorate(t *testing.T) {
	storetest.Each(t, func() clock.Clock { return clock.NewManual(t0) }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := importEnv(t, s, clock.NewManual(t0), 1<<20)
		if code, body := e.upload(t, "?source=registry-2026", "text/csv", exampleCSV(t)); code != 200 {
			t.Fatalf("import: %d %s", code, body)
		}
		out, _ := s.ListContacts(ctx, store.ContactFilter{Phone: "+96891234507", Limit: 1})
		if err := s.MarkOptedOut(ctx, out[0].ID); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			audience string
			code     int
			reach    int
		}{
			{`{"fields": {"program": ["Takaful"]}, "governorates": ["dhofar"]}`, 202, 3},
			{`{"fields": {"program": ["Takaful", "Karama"]}}`, 202, 6},
			{`{"sources": ["registry-2026"], "languages": ["en"]}`, 202, 2},
			{`{"sources": ["another-list"]}`, 202, 0},
			{`{"fields": {"program": []}}`, 400, 0},
			{`{"fields": {"": ["x"]}}`, 400, 0},
		} {
			code, body := e.do(t, "POST", "/api/v1/broadcasts", token,
				`{"texts": {"ar": "يبدأ تدريب تمكين في صلالة يوم الأحد"}, "channels": ["sms"], "audience": `+tt.audience+`}`)
			if code != tt.code {
				t.Fatalf("%s: %d %s", tt.audience, code, body)
			}
			if code != 202 {
				continue
			}
			var rep struct{ ID int64 }
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
			}
			b, err := s.Broadcast(ctx, rep.ID)
			if err != nil {
				t.Fatal(err)
			}
			est, err := s.EstimateAudience(ctx, b)
			if err != nil || est.Total() != tt.reach {
				t.Fatalf("%s: estimate %+v, %v; want %d", tt.audience, est, err, tt.reach)
			}
			for {
				ex, err := s.ExpandBroadcast(ctx, rep.ID, 1000, 3, t0)
				if err != nil {
					t.Fatal(err)
				}
				if ex.Done {
					break
				}
			}
			counts, err := s.BroadcastRowCounts(ctx, []int64{rep.ID})
			if err != nil || counts[rep.ID][store.OutboxPending] != tt.reach {
				t.Fatalf("%s: rows %v, %v; want %d", tt.audience, counts, err, tt.reach)
			}
		}
	})
}
