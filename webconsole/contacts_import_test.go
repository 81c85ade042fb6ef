package webconsole_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tamkeen/tamkeen/clock"
	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/store/storetest"
	"github.com/tamkeen/tamkeen/webconsole"
)

// upload posts the import form with a file, as a browser does.
func (e *env) upload(t *testing.T, source, file string, apply bool) answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", e.csrf(t))
	_ = mw.WriteField("source", source)
	if apply {
		_ = mw.WriteField("apply", "1")
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", "beneficiaries.csv")
		_, _ = fw.Write([]byte(file))
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/console/contacts/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(t, req)
}

// finished follows an import's page until it no longer runs.
func (e *env) finished(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		a := e.get(t, path)
		if a.code != http.StatusOK {
			t.Fatalf("%s: %d", path, a.code)
		}
		if !strings.Contains(a.body, `id="import-running"`) {
			return a.body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still running:\n%s", path, a.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var countCell = regexp.MustCompile(`<td class="num">(\d+)</td>`)

func counts(body string) []string {
	var out []string
	for _, m := range countCell.FindAllStringSubmatch(body[strings.Index(body, `id="import-counts"`):strings.Index(body, `id="import-rejected"`)], -1) {
		out = append(out, m[1])
	}
	return out
}

// TestConsoleImportDryRunThenApply: staff upload the example list, read the
// dry run's report (counts and rejected rows with line and reason), apply
// it, and then see and change an imported person's fields.
func TestConsoleImportDryRunThenApply(t *testing.T) {
	list, err := os.ReadFile("../demo/beneficiaries-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(t0)
	storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b, err := locales.Load("", "OM")
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"sms"}, Importer: contactimport.New(s, b, "OM")})
		e.login(t)
		mustContain(t, e.get(t, "/console/contacts").body, `href="/console/contacts/import"`)
		mustContain(t, e.get(t, "/console/contacts/import").body, `id="import-form"`, `enctype="multipart/form-data"`)
		if a := e.upload(t, "", string(list), false); a.code != http.StatusUnprocessableEntity || !strings.Contains(a.body, `id="problem"`) {
			t.Fatalf("no list name: %d", a.code)
		}
		if a := e.upload(t, "registry-2026", "", false); a.code != http.StatusUnprocessableEntity {
			t.Fatalf("no file: %d", a.code)
		}

		a := e.upload(t, "registry-2026", string(list), false)
		if a.code != http.StatusSeeOther || !strings.HasPrefix(a.location, "/console/contacts/import/") {
			t.Fatalf("upload: %d %q", a.code, a.location)
		}
		dry := e.finished(t, a.location)
		if got := counts(dry); strings.Join(got, " ") != "7 0 0 5 0 0" {
			t.Fatalf("dry run counts %v:\n%s", got, dry)
		}
		mustContain(t, dry, `id="import-apply"`, "<td class=\"num\">9</td><td>phone: رقم الهاتف غير صحيح.</td>")
		if list, _ := s.ListContacts(ctx, store.ContactFilter{Limit: 10}); len(list) != 0 {
			t.Fatalf("the dry run added %d contacts", len(list))
		}

		applyPath := a.location + "/apply"
		a = e.post(t, applyPath, e.form(t))
		if a.code != http.StatusSeeOther {
			t.Fatalf("apply: %d", a.code)
		}
		applied := e.finished(t, a.location)
		if got := counts(applied); strings.Join(got, " ") != "7 0 0 5 0 0" {
			t.Fatalf("applied counts %v", got)
		}
		if a2 := e.post(t, applyPath, e.form(t)); a2.code != http.StatusSeeOther || a2.location != a.location {
			t.Fatalf("applying twice: %d %q, want the first import %q", a2.code, a2.location, a.location)
		}
		people, _ := s.ListContacts(ctx, store.ContactFilter{Phone: "+96891234502", Limit: 1})
		if len(people) != 1 {
			t.Fatal("the applied import added nobody")
		}
		page := e.get(t, "/console/contacts/"+itoa(people[0].ID)).body
		mustContain(t, page, `id="contact-fields"`, "OM-000102", "Takaful", "registry-2026")

		a = e.post(t, "/console/contacts/"+itoa(people[0].ID)+"/fields", e.form(t, "name", "program", "value", "Karama"))
		if a.code != http.StatusSeeOther {
			t.Fatalf("set field: %d", a.code)
		}
		if f, _ := s.ContactFields(ctx, people[0].ID); f["program"] != "Karama" {
			t.Fatalf("fields %v", f)
		}
		if a := e.post(t, "/console/contacts/"+itoa(people[0].ID)+"/fields", e.form(t, "name", "region", "value", "x")); a.code != http.StatusUnprocessableEntity {
			t.Fatalf("a column as a field: %d", a.code)
		}
		log, _ := s.AuditLog(ctx, 0, 50)
		var actions []string
		for _, ev := range log {
			actions = append(actions, ev.Action)
		}
		for _, want := range []string{"contacts_import_dry_run", "contacts_import", "contact_field"} {
			if !strings.Contains(" "+strings.Join(actions, " ")+" ", " "+want+" ") {
				t.Errorf("audit log %v lacks %s", actions, want)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// importedExample imports the example list shipped in demo/ into s as
// registry-2026 and returns the Oman pack's importer.
func importedExample(t *testing.T, s *store.Store) *contactimport.Importer {
	t.Helper()
	list, err := os.ReadFile("../demo/beneficiaries-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := locales.Load("", "OM")
	if err != nil {
		t.Fatal(err)
	}
	im := contactimport.New(s, b, "OM")
	if _, err := im.Import(context.Background(), bytes.NewReader(list), contactimport.Options{Source: "registry-2026"}); err != nil {
		t.Fatal(err)
	}
	return im
}

// TestComposerAudienceByFieldAndList: the composer offers the fields and
// lists imported, counts the people a field and a governorate choose as
// the choice changes, and sends to them.
func TestComposerAudienceByFieldAndList(t *testing.T) {
	clk := clock.NewManual(t0)
	storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
		im := importedExample(t, s)
		e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"sms"}, SMSPrice: 0.012, SMSCurrency: "OMR", Importer: im})
		e.login(t)
		mustContain(t, e.get(t, "/console/broadcasts/new").body, `id="field-filter"`, `<option value="program"`, `<option value="registry-2026"`)
		reach := regexp.MustCompile(`id="audience-count">[^<]*?(\d+)`)
		for _, c := range []struct {
			kv    []string
			count string
		}{
			{[]string{"field", "program", "field_values", "Takaful"}, "5"},
			{[]string{"field", "program", "field_values", "Takaful، Karama"}, "7"},
			{[]string{"field", "program", "field_values", "Takaful", "governorate", "dhofar"}, "4"},
			{[]string{"source", "registry-2026", "governorate", "dhofar"}, "5"},
		} {
			form := e.form(t, append([]string{"text_ar", "يبدأ التدريب يوم الأحد", "audience", "filtered", "channel", "sms"}, c.kv...)...)
			a := e.post(t, "/console/broadcasts/preview", form)
			m := reach.FindStringSubmatch(a.body)
			if a.code != http.StatusOK || m == nil || m[1] != c.count {
				t.Fatalf("%v: %d, count %v", c.kv, a.code, m)
			}
		}
		form := e.form(t, "text_ar", "x", "audience", "filtered", "channel", "sms", "field", "program", "field_values", " ")
		if a := e.post(t, "/console/broadcasts/preview", form); !strings.Contains(a.body, "problem") {
			t.Fatalf("a field without values was not refused")
		}
	})
}

// TestConsoleExportImportsBack: an admin's export holds everyone with a
// number and their fields, with a BOM, and imports back unchanged; staff
// may not export.
func TestConsoleExportImportsBack(t *testing.T) {
	clk := clock.NewManual(t0)
	storetest.Each(t, func() clock.Clock { return clk }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		im := importedExample(t, s)
		e := newEnvWith(t, s, clk, webconsole.Config{Token: token, Channels: []string{"sms"}, Importer: im})
		account(t, s, "mona", store.RoleStaff, "caseworker pass phrase")
		if a := e.as(t, "mona", "caseworker pass phrase").get(t, "/console/contacts/export.csv"); a.code != http.StatusForbidden {
			t.Fatalf("staff exported: %d", a.code)
		}
		e.login(t)
		a := e.get(t, "/console/contacts/export.csv")
		if a.code != http.StatusOK || !strings.HasPrefix(a.body, "\ufeffphone,name,region,language,beneficiary_id,household_size,program\n") || strings.Count(a.body, "\n") != 8 {
			t.Fatalf("export: %d\n%s", a.code, a.body)
		}
		rep, err := im.Import(ctx, strings.NewReader(a.body), contactimport.Options{Source: "registry-2026"})
		if err != nil || rep != (contactimport.Report{Unchanged: 7}) {
			t.Fatalf("the export imported back as %+v, %v", rep, err)
		}
	})
}
