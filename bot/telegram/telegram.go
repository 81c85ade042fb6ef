// Package telegram is the Telegram channel: it reads updates (long polling or
// a webhook) and turns them into bot.Input for the inbox (messages, taps,
// shared contact cards, "blocked"), and sends rendered replies with inline
// buttons. It decides nothing about the conversation and stores nothing
// itself. It is the only package that knows the Telegram Bot API.
package telegram

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/clock"
)

// Config is what the channel needs to run.
type Config struct {
	Token         string
	APIEndpoint   string  // the library's format: "https://api.telegram.org/bot%s/%s"
	Rate          float64 // messages per second over the whole bot
	Mode          string  // how updates arrive: ModePolling (the default) or ModeWebhook
	WebhookURL    string  // where Telegram posts updates in webhook mode
	WebhookSecret string  // the secret_token Telegram sends back in X-Telegram-Bot-Api-Secret-Token
	DefaultRegion string  // for phone numbers shared without a country code
	PollTimeout   time.Duration
	MaxBackoff    time.Duration // longest wait after failed polls (default 30s)
	MinBackoff    time.Duration // first wait after a failed poll (default 500ms)
}

// How updates arrive.
const (
	ModePolling = "polling" // long polling: one process reads the updates
	ModeWebhook = "webhook" // Telegram posts them to WebhookURL: any number of replicas
)

// WebhookPath is where Telegram posts updates in webhook mode, relative to the public URL.
const WebhookPath = "/webhooks/telegram"

func (c *Config) defaults() {
	if c.Mode == "" {
		c.Mode = ModePolling
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 30 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
}

// AllowedUpdates are the update kinds the bot asks for.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// Bot is the Telegram channel: sender, update handler, poller and webhook.
type Bot struct {
	cfg      Config
	api      *tgbotapi.BotAPI // never used directly: call client(ctx)
	http     *http.Client
	renderer *bot.Renderer
	inbox    bot.Handler
	clock    clock.Clock
	log      *slog.Logger
	chats    [4096]chatLock // serialises the updates of one chat (webhook requests run in parallel); many, so that distinct chats seldom share one
	panics   panicCounts    // updates whose handling panicked, by update_id
}

type chatLock struct{ ch chan struct{} }

// New returns the channel, handing what arrives to ib. No call is made to Telegram yet.
func New(cfg Config, r *bot.Renderer, ib bot.Handler, clk clock.Clock, log *slog.Logger) *Bot {
	cfg.defaults()
	api := &tgbotapi.BotAPI{Token: cfg.Token, Buffer: 0}
	api.SetAPIEndpoint(cfg.APIEndpoint)
	c := &Bot{
		cfg: cfg, api: api, http: &http.Client{Transport: transport()}, renderer: r, inbox: ib, clock: clk,
		log: log.With("channel", bot.Telegram),
	}
	for i := range c.chats {
		c.chats[i].ch = make(chan struct{}, 1)
	}
	return c
}

// transport keeps enough idle connections to Telegram for every send in
// flight (the dispatcher runs 32 at once): Go's default keeps two, so busy
// moments spent their time dialling new connections.
func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 64
	return t
}

// client returns the library bound to ctx: its calls end when ctx does (the
// library itself takes no context).
func (c *Bot) client(ctx context.Context) *tgbotapi.BotAPI {
	b := *c.api
	b.Client = ctxDoer{ctx: ctx, c: c.http, token: c.cfg.Token}
	return &b
}

// ctxDoer is the library's HTTP client: every call carries ctx, and an error
// never shows the token that is part of every Bot API URL.
type ctxDoer struct {
	ctx   context.Context
	c     *http.Client
	token string
}

func (d ctxDoer) Do(r *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(r.WithContext(d.ctx))
	return resp, redact(err, d.token)
}

// sendDoer is the doer of a message send: a ctxDoer that also tells the
// dispatcher when the request leaves and when its answer is back
// (bot.Sending), and notes the HTTP status, so that a 2xx whose body cannot
// be read still counts as sent.
type sendDoer struct {
	ctxDoer
	status *int
}

func (d sendDoer) Do(r *http.Request) (*http.Response, error) {
	answered := bot.Sending(d.ctx)
	res, err := d.ctxDoer.Do(r)
	answered()
	if err == nil {
		*d.status = res.StatusCode
	}
	return res, err
}

// lockChat waits for the chat's turn; the returned func releases it.
func (c *Bot) lockChat(ctx context.Context, chat int64) (func(), error) {
	i := chat % int64(len(c.chats))
	if i < 0 {
		i = -i
	}
	l := c.chats[i].ch
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
