package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Staff roles, from most to least power.
const (
	RoleAdmin  = "admin"  // everything, and the audit log
	RoleStaff  = "staff"  // reads and changes (broadcasts, opportunities, sign-ups)
	RoleViewer = "viewer" // reads only
)

// Roles lists the staff roles.
var Roles = []string{RoleAdmin, RoleStaff, RoleViewer}

// ErrExists is returned when a unique name is already taken.
var ErrExists = errors.New("store: already exists")

// StaffAccount is one person's sign-in to the web console.
type StaffAccount struct {
	ID           int64
	Username     string
	Role         string
	PasswordHash string
	// Regions are the governorates whose people the account sees and
	// answers in the inbox, "dhofar,muscat" ("" for everyone).
	Regions    string
	DisabledAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Passwords are hashed with bcrypt; MinPasswordLength and the 72-byte limit
// of bcrypt bound what a password may be.
const (
	MinPasswordLength = 10
	maxPasswordBytes  = 72
	passwordCost      = bcrypt.DefaultCost
)

// NormalizeUsername returns the stored form of a username (lower case,
// trimmed) or an error saying what is wrong with it.
func NormalizeUsername(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || len([]rune(name)) > 64 {
		return "", fmt.Errorf("username must be 1 to 64 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-", r) {
			return "", fmt.Errorf("username %q: use letters, digits, dot, dash or underscore", name)
		}
	}
	return name, nil
}

// HashPassword checks a new password's length and hashes it.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", fmt.Errorf("password must be at least %d characters", MinPasswordLength)
	}
	if len(password) > maxPasswordBytes {
		return "", fmt.Errorf("password must be at most %d bytes (bcrypt's limit)", maxPasswordBytes)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when the username is unknown, so that an
// unknown name takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("tamkeen-no-such-account"), passwordCost)
	return h
})

// CheckStaffPassword returns the enabled account named username when
// password is its password; otherwise ErrNotFound. Every refusal takes one
// bcrypt comparison.
func (s *Store) CheckStaffPassword(ctx context.Context, username, password string) (*StaffAccount, error) {
	name, nameErr := NormalizeUsername(username)
	var a StaffAccount
	err := ErrNotFound
	if nameErr == nil {
		err = notFound(s.db.WithContext(ctx).Where("username = ?", name).First(&a).Error)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("store: staff account: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)) != nil || a.DisabledAt != nil {
		return nil, ErrNotFound
	}
	return &a, nil
}

// CreateStaffAccount adds an account; ErrExists when the name is taken.
// The username is stored in its normal form.
func (s *Store) CreateStaffAccount(ctx context.Context, a *StaffAccount) error {
	name, err := NormalizeUsername(a.Username)
	if err != nil {
		return fmt.Errorf("store: add staff account: %w", err)
	}
	if !slices.Contains(Roles, a.Role) {
		return fmt.Errorf("store: add staff account %q: unknown role %q", name, a.Role)
	}
	a.Username, a.CreatedAt, a.UpdatedAt = name, s.now(), s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&StaffAccount{}).Where("username = ?", a.Username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		return tx.Create(a).Error
	})
	if err != nil {
		return fmt.Errorf("store: add staff account %q: %w", a.Username, err)
	}
	return nil
}

// StaffAccounts lists every account by name.
func (s *Store) StaffAccounts(ctx context.Context) ([]StaffAccount, error) {
	var out []StaffAccount
	if err := s.db.WithContext(ctx).Order("username").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: staff accounts: %w", err)
	}
	return out, nil
}

// SetStaffAccountDisabled disables (ending every session of the account)
// or enables an account.
func (s *Store) SetStaffAccountDisabled(ctx context.Context, username string, disabled bool) error {
	var at *time.Time
	if disabled {
		now := s.now()
		at = &now
	}
	return s.changeStaffAccount(ctx, username, map[string]any{"disabled_at": at, "updated_at": s.now()}, disabled)
}

// SetStaffRegions limits an account to the people of regions (none: everyone).
func (s *Store) SetStaffRegions(ctx context.Context, username string, regions Regions) error {
	return s.changeStaffAccount(ctx, username, map[string]any{"regions": regions.String(), "updated_at": s.now()}, false)
}

// StaffAccountNamed returns the account called username (ErrNotFound).
func (s *Store) StaffAccountNamed(ctx context.Context, username string) (*StaffAccount, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return nil, fmt.Errorf("store: staff account: %w", ErrNotFound)
	}
	var a StaffAccount
	if err := s.db.WithContext(ctx).Where("username = ?", name).First(&a).Error; err != nil {
		return nil, fmt.Errorf("store: staff account %q: %w", name, notFound(err))
	}
	return &a, nil
}

// SetStaffPassword replaces an account's password hash and ends its sessions.
func (s *Store) SetStaffPassword(ctx context.Context, username, hash string) error {
	return s.changeStaffAccount(ctx, username, map[string]any{"password_hash": hash, "updated_at": s.now()}, true)
}

func (s *Store) changeStaffAccount(ctx context.Context, username string, set map[string]any, endSessions bool) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a StaffAccount
		if err := tx.Where("username = ?", username).First(&a).Error; err != nil {
			return notFound(err)
		}
		if err := tx.Model(&StaffAccount{}).Where("id = ?", a.ID).Updates(set).Error; err != nil {
			return err
		}
		if endSessions {
			return tx.Where("account_id = ?", a.ID).Delete(&ConsoleSession{}).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: change staff account %q: %w", username, err)
	}
	return nil
}

// StaffSession is who a live console session belongs to.
type StaffSession struct {
	AccountID int64  // 0: signed in with the admin token
	Username  string // "" for the admin token
	Role      string
	Regions   Regions // the governorates whose people it sees in the inbox (none: all)
}

// StartStaffSession records a session of an account (accountID 0: the
// admin token) until expires, and forgets expired sessions.
func (s *Store) StartStaffSession(ctx context.Context, id string, accountID int64, expires time.Time) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at <= ?", s.now()).Delete(&ConsoleSession{}).Error; err != nil {
		return fmt.Errorf("store: forget expired console sessions: %w", err)
	}
	row := map[string]any{"id": id, "expires_at": expires.UTC().Truncate(time.Microsecond)}
	if accountID != 0 {
		row["account_id"] = accountID
	}
	if err := db.Model(&ConsoleSession{}).Create(row).Error; err != nil {
		return fmt.Errorf("store: start console session: %w", err)
	}
	return nil
}

// LiveStaffSession returns who holds the session id with the account's
// current role, or ErrNotFound when the session ended, expired, or its
// account is disabled.
func (s *Store) LiveStaffSession(ctx context.Context, id string) (*StaffSession, error) {
	var rows []struct {
		AccountID  *int64
		Username   *string
		Role       *string
		Regions    *string
		DisabledAt *time.Time
	}
	err := s.db.WithContext(ctx).Table("console_sessions s").
		Select("s.account_id, a.username, a.role, a.regions, a.disabled_at").
		Joins("LEFT JOIN staff_accounts a ON a.id = s.account_id").
		Where("s.id = ? AND s.expires_at > ?", id, s.now()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: console session: %w", err)
	}
	if len(rows) != 1 {
		return nil, ErrNotFound
	}
	r := rows[0]
	if r.AccountID == nil {
		return &StaffSession{Role: RoleAdmin}, nil
	}
	if r.Username == nil || r.DisabledAt != nil {
		return nil, ErrNotFound
	}
	ss := &StaffSession{AccountID: *r.AccountID, Username: *r.Username, Role: *r.Role}
	if r.Regions != nil {
		ss.Regions = ParseRegions(*r.Regions)
	}
	return ss, nil
}
