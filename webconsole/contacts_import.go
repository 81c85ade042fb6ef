package webconsole

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/tamkeen/tamkeen/contactimport"
	"github.com/tamkeen/tamkeen/store"
)

// ImportRoute is the route that takes a contact list: the server lets it
// take a large body for minutes (httpapi.Server.Upload).
const ImportRoute = "console_contacts_import"

// importRowsShown bounds the rejected rows an import's page lists.
const importRowsShown = 200

// importKept is how long an uploaded list waits to be applied after its dry run.
const importKept = time.Hour

// importJob is one upload being checked or applied: it runs on its own,
// and its page follows it.
type importJob struct {
	ID, Source, By, File string
	DryRun               bool
	Started              time.Time

	mu       sync.Mutex
	report   contactimport.Report
	rejected []contactimport.Rejection
	done     bool
	failed   string // why it stopped, when it did
	applied  string // the job that applied this dry run's list
}

// importView is what an import's page shows.
type importView struct {
	ID, Source, Failed, Applied string
	DryRun, Done                bool
	Report                      contactimport.Report
	Rejected                    []contactimport.Rejection
	More                        bool
}

func (j *importJob) view() importView {
	j.mu.Lock()
	defer j.mu.Unlock()
	return importView{ID: j.ID, Source: j.Source, DryRun: j.DryRun, Done: j.done, Failed: j.failed, Applied: j.applied,
		Report: j.report, Rejected: append([]contactimport.Rejection(nil), j.rejected...), More: j.report.Rejected > len(j.rejected)}
}

// importJobs are the uploads of this console, by id.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

func (js *importJobs) get(id string) *importJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.jobs[id]
}

// add keeps j, and forgets finished jobs older than importKept with their files.
func (js *importJobs) add(j *importJob, now time.Time) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.jobs == nil {
		js.jobs = map[string]*importJob{}
	}
	for id, old := range js.jobs {
		old.mu.Lock()
		expired := old.done && now.Sub(old.Started) > importKept
		old.mu.Unlock()
		if expired {
			_ = os.Remove(old.File)
			delete(js.jobs, id)
		}
	}
	js.jobs[j.ID] = j
}

// importPage offers the upload form.
func (c *Console) importPage(w http.ResponseWriter, rq *request) error {
	c.render(w, rq, http.StatusOK, "contacts_import", "contacts", map[string]any{"Available": c.cfg.Importer != nil})
	return nil
}

// uploadImport takes a list, keeps it in a file of its own, and starts
// checking it (a dry run, unless asked to apply at once).
func (c *Console) uploadImport(w http.ResponseWriter, rq *request) error {
	if c.cfg.Importer == nil {
		return &pageError{http.StatusServiceUnavailable, "console.import.unavailable"}
	}
	source := strings.TrimSpace(rq.PostFormValue("source"))
	if err := contactimport.CheckSource(source); err != nil {
		c.render(w, rq, http.StatusUnprocessableEntity, "contacts_import", "contacts",
			map[string]any{"Available": true, "Problem": "console.import.source_needed", "Source": source})
		return nil
	}
	in, _, err := rq.FormFile("file")
	if err != nil {
		c.render(w, rq, http.StatusUnprocessableEntity, "contacts_import", "contacts",
			map[string]any{"Available": true, "Problem": "console.import.file_needed", "Source": source})
		return nil
	}
	defer in.Close()
	f, err := os.CreateTemp("", "tamkeen-import-*.csv")
	if err != nil {
		return fmt.Errorf("webconsole: keep the list: %w", err)
	}
	_, err = io.Copy(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("webconsole: keep the list: %w", err)
	}
	j := c.startImport(source, rq.sess.actor(), f.Name(), rq.PostFormValue("apply") != "1")
	return seeOther(w, rq, "/console/contacts/import/"+j.ID)
}

// applyImport applies the list of a finished dry run.
func (c *Console) applyImport(w http.ResponseWriter, rq *request) error {
	dry := c.imports.get(rq.PathValue("job"))
	if dry == nil || c.cfg.Importer == nil {
		return errNotFound
	}
	v := dry.view()
	if !v.DryRun || !v.Done || v.Failed != "" {
		return &pageError{http.StatusConflict, "console.import.not_ready"}
	}
	if v.Applied != "" {
		return seeOther(w, rq, "/console/contacts/import/"+v.Applied)
	}
	j := c.startImport(v.Source, rq.sess.actor(), dry.File, false)
	dry.mu.Lock()
	dry.applied = j.ID
	dry.mu.Unlock()
	return seeOther(w, rq, "/console/contacts/import/"+j.ID)
}

// startImport runs an import of file in the background; its page follows it.
func (c *Console) startImport(source, by, file string, dryRun bool) *importJob {
	var id [8]byte
	_, _ = rand.Read(id[:])
	j := &importJob{ID: hex.EncodeToString(id[:]), Source: source, By: by, File: file, DryRun: dryRun, Started: c.clock.Now()}
	c.imports.add(j, c.clock.Now())
	go func() {
		ctx := context.Background()
		opt := contactimport.Options{Source: source, DryRun: dryRun, Actor: by,
			Reject: func(r contactimport.Rejection) error {
				j.mu.Lock()
				defer j.mu.Unlock()
				if len(j.rejected) < importRowsShown {
					j.rejected = append(j.rejected, r)
				}
				return nil
			},
			Progress: func(r contactimport.Report) {
				j.mu.Lock()
				j.report = r
				j.mu.Unlock()
			}}
		rep, err := c.importFile(ctx, file, opt)
		j.mu.Lock()
		j.report, j.done = rep, true
		if err != nil {
			j.failed = err.Error()
		}
		j.mu.Unlock()
		if !dryRun {
			_ = os.Remove(file)
		}
	}()
	return j
}

func (c *Console) importFile(ctx context.Context, file string, opt contactimport.Options) (contactimport.Report, error) {
	f, err := os.Open(file)
	if err != nil {
		return contactimport.Report{}, err
	}
	defer f.Close()
	rep, err := c.cfg.Importer.Import(ctx, f, opt)
	if err != nil {
		if !errors.Is(err, contactimport.ErrFile) {
			c.log.Error("console: contact import failed", "source", opt.Source, "err", err)
		}
		return rep, err
	}
	return rep, c.cfg.Importer.Audit(ctx, opt, rep)
}

// importStatus shows an import: its progress while it runs, then its report.
func (c *Console) importStatus(w http.ResponseWriter, rq *request) error {
	j := c.imports.get(rq.PathValue("job"))
	if j == nil {
		return errNotFound
	}
	v := j.view()
	type row struct {
		Line           int
		Reason, Record string
	}
	rows := make([]row, len(v.Rejected))
	for i, r := range v.Rejected {
		rows[i] = row{Line: r.Line, Reason: r.Text(c.bundle, rq.lang), Record: strings.Join(r.Record, " · ")}
	}
	vw := c.view(rq, "contacts", map[string]any{"Available": true, "Job": v, "Rows": rows})
	if !v.Done {
		vw.Refresh = 2 // progress while it runs
	}
	c.renderView(w, rq, http.StatusOK, "contacts_import", vw)
	return nil
}

// setContactField sets (or with an empty value removes) a field on a contact's page.
func (c *Console) setContactField(w http.ResponseWriter, rq *request) error {
	id, err := pathID(rq)
	if err != nil {
		return err
	}
	name, value, err := contactimport.CheckField(rq.PostFormValue("name"), rq.PostFormValue("value"))
	if err != nil {
		return &pageError{http.StatusUnprocessableEntity, "console.contact.field_invalid"}
	}
	if err := c.store.SetContactField(rq.Context(), id, name, value); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	return seeOther(w, rq, fmt.Sprintf("/console/contacts/%d?saved=1#fields", id))
}

// exportContacts sends everyone with a phone number and their fields as
// CSV (?source= limits it to one list's people), in the form an import
// reads back. Admins only; every export is in the audit log.
func (c *Console) exportContacts(w http.ResponseWriter, rq *request) error {
	source := rq.URL.Query().Get("source")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.csv"`)
	n, err := contactimport.Export(rq.Context(), c.store, w, source)
	c.audit(rq, store.AuditEvent{Action: "contacts_export", Target: fmt.Sprintf("%s source=%s contacts=%d", rq.URL.Path, source, n), Outcome: http.StatusOK})
	if err != nil {
		c.log.Error("console: contact export failed", "err", err)
	}
	return nil
}
