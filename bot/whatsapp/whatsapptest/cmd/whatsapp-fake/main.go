// Command whatsapp-fake runs the fake WhatsApp Cloud API (whatsapptest) on
// this machine and lets you chat, in this terminal, as a WhatsApp user with
// a `tamkeen serve` pointed at it. It prints the WHATSAPP_* settings to give
// serve; each line you type is posted to serve's webhook, signed, as Meta
// would; a number taps that button or list row of the last message; what
// serve sends is printed as it arrives.
//
//	go run ./bot/whatsapp/whatsapptest/cmd/whatsapp-fake -app http://127.0.0.1:8080
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tamkeen/tamkeen/bot/whatsapp/whatsapptest"
	"github.com/tamkeen/tamkeen/config"
	"github.com/tamkeen/tamkeen/textnorm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "whatsapp-fake:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("whatsapp-fake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9090", "where the fake Cloud API listens")
	app := fs.String("app", "http://127.0.0.1:8080", "where tamkeen serve listens (its webhook is /webhooks/whatsapp)")
	number := fs.String("phone", "+96891234567", "your WhatsApp number, E.164 (empty: known by user id only)")
	userID := fs.String("user-id", "OM.1349120865530274", "your WhatsApp business-scoped user id (empty: by number only)")
	rate := fs.Float64("rate", 80, "messages the fake accepts in any rolling second")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var out sync.Mutex
	say := func(format string, a ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(stdout, format, a...)
	}
	var lastMu sync.Mutex
	var last *whatsapptest.Sent
	u := whatsapptest.User{Phone: *number, ID: *userID, Name: "You"}
	// The templates the README asks the program to register, approved.
	approved := whatsapptest.Registered(slices.Sorted(maps.Values(config.DefaultTemplates()))...)
	fake := whatsapptest.NewFake(whatsapptest.Config{Rate: *rate, App: *app, Templates: approved, OnSent: func(s whatsapptest.Sent) {
		lastMu.Lock()
		last = &s
		lastMu.Unlock()
		say("bot> %s\n\n", strings.ReplaceAll(s.Show(), "\n", "\n     "))
	}})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	base := "http://" + ln.Addr().String() + "/" + whatsapptest.Version
	say("Fake WhatsApp Cloud API at %s. Start serve with:\n\n", base)
	say("  WHATSAPP_ACCESS_TOKEN=%s WHATSAPP_PHONE_NUMBER_ID=%s \\\n  WHATSAPP_APP_SECRET=%s WHATSAPP_VERIFY_TOKEN=%s \\\n  WHATSAPP_API_BASE_URL=%s go run ./cmd/tamkeen serve\n\n",
		whatsapptest.Token, whatsapptest.PhoneNumberID, whatsapptest.AppSecret, whatsapptest.VerifyToken, base)
	say("Then type as a WhatsApp user (%s): a number taps that choice of the last message; /verify makes Meta's subscription check; Ctrl-D ends.\n\n", who(u))

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			lastMu.Lock()
			m := last
			lastMu.Unlock()
			if err := post(fake, u, m, line, say); err != nil {
				say("(not delivered: %v; is serve running at %s with the settings above?)\n\n", err, *app)
			}
		}
	}
}

// post sends what the person typed: the verification check, a tap on a
// numbered choice of the last message, or a text.
func post(fake *whatsapptest.Fake, u whatsapptest.User, last *whatsapptest.Sent, line string, say func(string, ...any)) error {
	if line == "/verify" {
		code, ok, err := fake.Subscribe("subscribe", whatsapptest.VerifyToken)
		if err == nil {
			say("(subscription check: HTTP %d, challenge echoed: %v)\n\n", code, ok)
		}
		return err
	}
	var code int
	var err error
	if n, isNum := strconv.Atoi(textnorm.Normalize(line)); isNum == nil && last != nil && n >= 1 && n <= len(last.Choices()) {
		c := last.Choices()[n-1]
		say("(you tap [%s])\n", c.Title)
		if last.Request.Interactive.Type == "list" {
			_, code, err = fake.Pick(u, c.ID, c.Title)
		} else {
			_, code, err = fake.Tap(u, c.ID, c.Title)
		}
	} else {
		_, code, err = fake.Text(u, line)
	}
	if err == nil && code != http.StatusOK {
		err = errors.New("the webhook answered HTTP " + strconv.Itoa(code))
	}
	return err
}

func who(u whatsapptest.User) string {
	switch {
	case u.Phone != "" && u.ID != "":
		return u.Phone + ", " + u.ID
	case u.Phone != "":
		return u.Phone
	}
	return u.ID
}
