// Package contactimport reads a program's beneficiary list (CSV) and adds or
// updates its people as contacts: one engine behind the command line, the
// staff API and the web console. It streams: rows are read, checked and
// written a batch at a time, rejected rows are handed back as they are
// found, and only the numbers already seen stay in memory (to refuse a
// second row for the same number).
package contactimport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/tamkeen/tamkeen/export"
	"github.com/tamkeen/tamkeen/locales"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/textnorm"
)

// Reasons a row is rejected. Each has its words in the catalogs as
// import.reason.<code>.
const (
	ReasonColumns         = "columns"          // not as many cells as the header has columns
	ReasonEncoding        = "encoding"         // not UTF-8
	ReasonPhoneMissing    = "phone_missing"    // no number
	ReasonPhoneInvalid    = "phone_invalid"    // not a number of the pack's region, nor an international one
	ReasonRegionUnknown   = "region_unknown"   // not a governorate of the pack, by id or name
	ReasonLanguageUnknown = "language_unknown" // not a language of the service
	ReasonDuplicate       = "duplicate"        // the number was on an earlier row
	ReasonUnsafe          = "unsafe"           // a control or direction-override character
	ReasonTooLong         = "too_long"         // a cell longer than MaxValueRunes
)

// Reasons lists every reason a row may be rejected for.
func Reasons() []string {
	return []string{ReasonColumns, ReasonEncoding, ReasonPhoneMissing, ReasonPhoneInvalid, ReasonRegionUnknown,
		ReasonLanguageUnknown, ReasonDuplicate, ReasonUnsafe, ReasonTooLong}
}

// Limits.
const (
	MaxValueRunes  = 200 // one cell
	MaxFieldRunes  = 64  // one column name
	MaxColumns     = 100
	MaxSourceRunes = 64
	batchSize      = 10000
	recentNumbers  = 4096 // the numbers numbersSeen keeps in a map before it sorts them
)

// ErrFile is the cause of every error that says the file cannot be
// imported at all (no header, no phone column, a column twice): nothing was
// changed.
var ErrFile = errors.New("contactimport: the file cannot be imported")

// Report is what an import did, as the command line, the API and the
// console show it.
type Report struct {
	Created         int `json:"created"`
	Updated         int `json:"updated"`
	Unchanged       int `json:"unchanged"`
	Rejected        int `json:"rejected"`
	SkippedOptedOut int `json:"skipped_opted_out"`
	SkippedErased   int `json:"skipped_erased"`
}

// Rows is how many rows the report counts.
func (r Report) Rows() int {
	return r.Created + r.Updated + r.Unchanged + r.Rejected + r.SkippedOptedOut + r.SkippedErased
}

// Rejection is one row that was not imported.
type Rejection struct {
	Line   int      // line of the file where the row starts (the header is line 1)
	Reason string   // one of the Reason codes
	Column string   // the column at fault, as the header names it ("" for the row)
	First  int      // for ReasonDuplicate: the line of the row applied
	Record []string // the row as read
	Header []string // the file's header, as read
}

// Text words r in lang from the catalogs (*locales.Bundle fits).
func (r Rejection) Text(b export.Words, lang string) string {
	s, err := b.Text(lang, "import.reason."+r.Reason, map[string]any{"Column": r.Column, "First": r.First})
	if err != nil {
		return r.Reason
	}
	return s
}

// Options are one import's settings.
type Options struct {
	Source string // the list's name, kept on each contact it sets
	DryRun bool   // count what would happen, change nothing
	Actor  string // who imports, for the audit log ("cli", a username)
	// Reject, when set, receives each rejected row as it is found; an error
	// from it stops the import.
	Reject func(Rejection) error
	// Progress, when set, is told the rows done so far after each batch.
	Progress func(Report)
}

// Importer imports lists into one store with one pack's rules.
type Importer struct {
	store       *store.Store
	phoneRegion string
	columns     map[string]string // folded header name → phone, name, region, language
	regions     map[string]string // folded id or name → governorate id
	languages   map[string]string // folded id or name → language id
}

// Column ids of the known columns.
const (
	colPhone    = "phone"
	colName     = "name"
	colRegion   = "region"
	colLanguage = "language"
)

// New makes an importer for the pack of b, whose numbers without a country
// code are of phoneRegion.
func New(s *store.Store, b *locales.Bundle, phoneRegion string) *Importer {
	im := &Importer{store: s, phoneRegion: phoneRegion, columns: map[string]string{},
		regions: map[string]string{}, languages: map[string]string{}}
	for _, col := range []string{colPhone, colName, colRegion, colLanguage} {
		im.columns[fold(col)] = col
		for _, lang := range b.Languages() {
			names, _ := b.Text(lang, "import.column."+col, nil)
			for _, n := range splitNames(names) {
				im.columns[fold(n)] = col
			}
		}
	}
	im.columns[fold("governorate")] = colRegion
	for _, id := range b.Content.Governorates {
		im.regions[fold(id)] = id
		for _, lang := range b.Languages() {
			if name, err := b.Text(lang, "gov."+id, nil); err == nil {
				im.regions[fold(name)] = id
			}
		}
	}
	for _, l := range b.Languages() {
		im.languages[fold(l)] = l
		for _, in := range b.Languages() {
			if name, err := b.Text(in, "console.language."+l, nil); err == nil {
				im.languages[fold(name)] = l
			}
		}
	}
	return im
}

// splitNames splits a catalog's list of names at commas (Latin or Arabic).
func splitNames(s string) []string {
	var out []string
	for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '،' }) {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// fold is the form names are compared in: Arabic letter variants folded,
// case folded, underscores as spaces.
func fold(s string) string {
	return textnorm.Normalize(strings.ReplaceAll(strings.TrimSpace(s), "_", " "))
}

// FieldName is the name a column other than the known ones is stored
// under: lower case, spaces as underscores ("Household size" →
// household_size). Arabic names stay as written.
func FieldName(header string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.TrimSpace(header))), "_")
}

// CheckSource reports what is wrong with a list's name ("" when nothing).
func CheckSource(source string) error {
	switch {
	case strings.TrimSpace(source) == "":
		return errors.New("a source (the list's name) is required")
	case utf8.RuneCountInString(source) > MaxSourceRunes:
		return fmt.Errorf("the source is longer than %d characters", MaxSourceRunes)
	}
	if r, bad := textnorm.Unsafe(source, false); bad {
		return fmt.Errorf("the source holds the character %U", r)
	}
	return nil
}

// header is the file's first row, understood.
type header struct {
	names  []string // as written
	known  map[string]int
	fields map[int]string // column → field name
}

func (im *Importer) readHeader(rec []string) (header, error) {
	h := header{names: append([]string(nil), rec...), known: map[string]int{}, fields: map[int]string{}}
	if len(rec) > MaxColumns {
		return h, fmt.Errorf("%w: %d columns, at most %d", ErrFile, len(rec), MaxColumns)
	}
	seen := map[string]string{}
	for i, name := range rec {
		if !utf8.ValidString(name) {
			return h, fmt.Errorf("%w: the header is not UTF-8 text", ErrFile)
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return h, fmt.Errorf("%w: column %d has no name", ErrFile, i+1)
		}
		if r, bad := textnorm.Unsafe(name, false); bad {
			return h, fmt.Errorf("%w: column %d: the character %U", ErrFile, i+1, r)
		}
		key := ""
		if col, ok := im.columns[fold(name)]; ok {
			key = col
			h.known[col] = i
		} else {
			key = FieldName(name)
			if utf8.RuneCountInString(key) > MaxFieldRunes {
				return h, fmt.Errorf("%w: column %q is longer than %d characters", ErrFile, name, MaxFieldRunes)
			}
			h.fields[i] = key
		}
		if first, dup := seen[key]; dup {
			return h, fmt.Errorf("%w: columns %q and %q are the same column", ErrFile, first, name)
		}
		seen[key] = name
	}
	if _, ok := h.known[colPhone]; !ok {
		return h, fmt.Errorf("%w: no phone column (the header names its columns: phone, name, region, language, and any fields)", ErrFile)
	}
	return h, nil
}

// Import reads a list from r and applies it with opt, a batch of rows per
// transaction (a row is applied whole or not at all). Rows with a problem
// are counted rejected and handed to opt.Reject; the others are applied
// even when some are rejected. An error means the import stopped: the file
// could not be read (ErrFile; at its header, before anything was changed)
// or the database failed; the batches applied before stay (importing the
// file again finishes the work, as re-importing changes nothing that is
// done), and the report counts them.
func (im *Importer) Import(ctx context.Context, r io.Reader, opt Options) (Report, error) {
	var rep Report
	if err := CheckSource(opt.Source); err != nil {
		return rep, fmt.Errorf("%w: %w", ErrFile, err)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = sniffComma(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return rep, fmt.Errorf("%w: the file is empty", ErrFile)
	}
	if err != nil {
		return rep, fmt.Errorf("%w: %w", ErrFile, err)
	}
	h, err := im.readHeader(rec)
	if err != nil {
		return rep, err
	}

	// Rows are read and checked here while the batch before is written
	// (the writer below): the two share the two cores.
	w := newWriter(ctx, im.store, opt)
	seen := newNumbersSeen(recentNumbers) // number → line of its first row
	var batch []store.ImportRow
	rejected := 0
	stop := func(err error) (Report, error) {
		rep, _ := w.finish()
		rep.Rejected = rejected
		return rep, err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return stop(fmt.Errorf("%w: %w", ErrFile, err))
		}
		if err := ctx.Err(); err != nil {
			return stop(err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		row, rj := im.row(h, rec)
		if rj.Reason == "" {
			key := phoneKey(row.Phone)
			if first, dup := seen.first(key); dup {
				rj = Rejection{Reason: ReasonDuplicate, Column: h.names[h.known[colPhone]], First: int(first)}
			} else {
				seen.add(key, int32(line))
			}
		}
		if rj.Reason != "" {
			rejected++
			w.rejected.Store(int64(rejected))
			rj.Line, rj.Record, rj.Header = line, append([]string(nil), rec...), h.names
			if opt.Reject != nil {
				if err := opt.Reject(rj); err != nil {
					return stop(err)
				}
			}
			continue
		}
		batch = append(batch, row)
		if len(batch) >= batchSize {
			if !w.send(batch) {
				break // the writer failed: finish says why
			}
			batch = make([]store.ImportRow, 0, batchSize)
		}
	}
	if len(batch) > 0 {
		w.send(batch)
	}
	rep, err = w.finish()
	rep.Rejected = rejected
	if err == nil && !opt.DryRun && rep.Created+rep.Updated >= vacuumAfter {
		err = im.store.AfterImport(ctx)
	}
	return rep, err
}

// vacuumAfter is how many contacts an import creates or changes before
// the database is vacuumed and its statistics brought up to date
// (store.AfterImport).
const vacuumAfter = 10_000

// writer applies batches of rows, one transaction each, in order, while
// the next batch is read.
type writer struct {
	store    *store.Store
	opt      Options
	ctx      context.Context
	cancel   context.CancelFunc
	batches  chan []store.ImportRow
	done     chan struct{}
	rejected atomic.Int64 // counted by the reader, for Progress
	rep      Report
	err      error
}

func newWriter(ctx context.Context, s *store.Store, opt Options) *writer {
	w := &writer{store: s, opt: opt, batches: make(chan []store.ImportRow, 1), done: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancel(ctx)
	go w.run()
	return w
}

func (w *writer) run() {
	defer close(w.done)
	for batch := range w.batches {
		if w.err != nil {
			continue // drain
		}
		c, err := w.store.ImportContacts(w.ctx, w.opt.Source, batch, w.opt.DryRun)
		if err != nil {
			w.err = err
			w.cancel()
			continue
		}
		w.rep.Created += c.Created
		w.rep.Updated += c.Updated
		w.rep.Unchanged += c.Unchanged
		w.rep.SkippedOptedOut += c.SkippedOptedOut
		w.rep.SkippedErased += c.SkippedErased
		if w.opt.Progress != nil {
			p := w.rep
			p.Rejected = int(w.rejected.Load())
			w.opt.Progress(p)
		}
	}
}

// send queues a batch; false when the writer has stopped on an error.
func (w *writer) send(batch []store.ImportRow) bool {
	select {
	case w.batches <- batch:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// finish waits for the batches queued and says what they did.
func (w *writer) finish() (Report, error) {
	close(w.batches)
	<-w.done
	w.cancel()
	return w.rep, w.err
}

// Audit records an import in the audit log: who, which list, what it did.
func (im *Importer) Audit(ctx context.Context, opt Options, rep Report) error {
	action := "contacts_import"
	if opt.DryRun {
		action = "contacts_import_dry_run"
	}
	target := fmt.Sprintf("source=%s created=%d updated=%d unchanged=%d rejected=%d skipped_opted_out=%d skipped_erased=%d",
		opt.Source, rep.Created, rep.Updated, rep.Unchanged, rep.Rejected, rep.SkippedOptedOut, rep.SkippedErased)
	return im.store.Audit(ctx, store.AuditEvent{Actor: opt.Actor, Action: action, Target: target})
}

// row checks one record against the header.
func (im *Importer) row(h header, rec []string) (store.ImportRow, Rejection) {
	var row store.ImportRow
	if len(rec) != len(h.names) {
		return row, Rejection{Reason: ReasonColumns}
	}
	for i, v := range rec {
		if !utf8.ValidString(v) {
			return row, Rejection{Reason: ReasonEncoding, Column: h.names[i]}
		}
		if _, bad := textnorm.Unsafe(v, false); bad {
			return row, Rejection{Reason: ReasonUnsafe, Column: h.names[i]}
		}
		if utf8.RuneCountInString(v) > MaxValueRunes {
			return row, Rejection{Reason: ReasonTooLong, Column: h.names[i]}
		}
	}
	cell := func(col string) string {
		if i, ok := h.known[col]; ok {
			return unguard(strings.TrimSpace(rec[i]))
		}
		return ""
	}
	p := cell(colPhone)
	if p == "" {
		return row, Rejection{Reason: ReasonPhoneMissing, Column: h.names[h.known[colPhone]]}
	}
	e164, err := phone.Normalize(p, im.phoneRegion)
	if err != nil {
		return row, Rejection{Reason: ReasonPhoneInvalid, Column: h.names[h.known[colPhone]]}
	}
	row.Phone = e164
	row.Name = strings.Join(strings.Fields(cell(colName)), " ")
	if v := cell(colRegion); v != "" {
		id, ok := im.regions[fold(v)]
		if !ok {
			return row, Rejection{Reason: ReasonRegionUnknown, Column: h.names[h.known[colRegion]]}
		}
		row.Governorate = id
	}
	if v := cell(colLanguage); v != "" {
		id, ok := im.languages[fold(v)]
		if !ok {
			return row, Rejection{Reason: ReasonLanguageUnknown, Column: h.names[h.known[colLanguage]]}
		}
		row.Language = id
	}
	for i, name := range h.fields {
		if v := unguard(strings.TrimSpace(rec[i])); v != "" {
			if row.Fields == nil {
				row.Fields = map[string]string{}
			}
			row.Fields[name] = v
		}
	}
	return row, Rejection{}
}

// phoneKey packs an E.164 number (at most 15 digits) into a number, so that
// a million seen numbers take 12 MB (numbersSeen).
func phoneKey(e164 string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimPrefix(e164, "+"), 10, 64)
	return n
}

// unguard takes off the apostrophe an export puts before a cell a
// spreadsheet would read as a number or a formula (export.Phone,
// export.Cell), so that an exported list imports as it was.
func unguard(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("+-=@|%0123456789", rune(v[1])) {
		return v[1:]
	}
	return v
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// sniffComma chooses the separator from the header line: a semicolon when
// it has more semicolons than commas (Excel in Arabic and many other
// locales writes those), else a comma.
func sniffComma(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		return ';'
	}
	return ','
}

// CheckField checks a field staff set by hand, as an import would: it
// returns the name as stored (FieldName) and the value trimmed. The known
// columns (phone, name, region, language) are not fields.
func CheckField(name, value string) (string, string, error) {
	key, value := FieldName(name), strings.TrimSpace(value)
	switch {
	case key == "":
		return "", "", errors.New("name: required")
	case utf8.RuneCountInString(key) > MaxFieldRunes:
		return "", "", fmt.Errorf("name: at most %d characters", MaxFieldRunes)
	case key == colPhone || key == colName || key == colRegion || key == colLanguage || key == "governorate":
		return "", "", fmt.Errorf("name: %q is a column of the contact, not a field", key)
	case utf8.RuneCountInString(value) > MaxValueRunes:
		return "", "", fmt.Errorf("value: at most %d characters", MaxValueRunes)
	}
	if r, bad := textnorm.Unsafe(key, false); bad {
		return "", "", fmt.Errorf("name: the character %U", r)
	}
	if r, bad := textnorm.Unsafe(value, false); bad {
		return "", "", fmt.Errorf("value: the character %U", r)
	}
	return key, value, nil
}
