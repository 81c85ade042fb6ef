package inbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/phone"
	"github.com/tamkeen/tamkeen/store"
	"github.com/tamkeen/tamkeen/vocab"
)

// The inputs that are not messages: a channel reports them, and the rules
// of what they mean live here, not in the channel.

// reachability records that a person blocked the bot or allowed it again.
// It is not a turn of the conversation: nothing is answered.
func (ib *Inbox) reachability(ctx context.Context, in bot.Input) (bot.Outcome, error) {
	blocked := in.Kind == bot.KindBlocked
	if in.From.TelegramChatID == 0 {
		return bot.Outcome{}, fmt.Errorf("inbox: %s %s: only Telegram chats can be blocked", in.Channel, in.Kind)
	}
	found, err := ib.store.SetTelegramBlocked(ctx, in.From.TelegramChatID, blocked)
	if err != nil {
		ib.count(in.Channel, "error")
		return bot.Outcome{}, fmt.Errorf("inbox: %s %s: %w", in.Channel, in.Kind, err)
	}
	ib.count(in.Channel, "handled")
	if found {
		ib.log.Info("inbox: chat reachability changed", "channel", in.Channel, "blocked", blocked)
	}
	return bot.Outcome{}, nil
}

// nextPage sends the next page of a long message the person asked for more
// of; sent is false when no page was waiting (the input is then an ordinary message).
func (ib *Inbox) nextPage(ctx context.Context, in bot.Input) (out bot.Outcome, sent bool, err error) {
	if in.From.Phone == "" {
		return bot.Outcome{}, false, nil
	}
	taken, err := ib.store.TakeSMSMore(ctx, in.Channel, in.From.Phone, in.ExternalID)
	if err != nil {
		ib.count(in.Channel, "error")
		return bot.Outcome{}, false, fmt.Errorf("inbox: %s more: %w", in.Channel, err)
	}
	switch taken {
	case store.MoreQueued:
		ib.count(in.Channel, "handled")
		ib.log.Info("inbox: next page queued", "channel", in.Channel, "from", phone.Mask(in.From.Phone), "id", in.ExternalID)
		ib.notify()
		return bot.Outcome{Replies: 1}, true, nil
	case store.MoreDuplicate:
		ib.count(in.Channel, "duplicate")
		return bot.Outcome{Duplicate: true}, true, nil
	}
	return bot.Outcome{}, false, nil
}

// linkContact takes the phone number of a card the person shared: only
// their own number (as the provider vouches), only for a chat (a Telegram
// chat, a WhatsApp user id). It returns what became of it, for the
// conversation to say.
func (ib *Inbox) linkContact(ctx context.Context, in bot.Input) (*flows.SharedContact, error) {
	card := in.Contact
	if card == nil {
		return nil, errors.New("shared contact without a card")
	}
	shared := &flows.SharedContact{Name: card.Name}
	chat := vocab.Address{TelegramChatID: in.From.TelegramChatID, WhatsAppID: in.From.WhatsAppID}
	switch {
	case !card.Own:
		shared.Outcome = flows.ContactNotOwn
		return shared, nil
	case card.Phone != "" && card.Phone == in.From.Phone && chat == (vocab.Address{}):
		// Their own number is how they wrote (WhatsApp by number): it is theirs already.
		shared.Outcome = flows.ContactLinked
		return shared, nil
	case card.Phone == "" || chat == (vocab.Address{}):
		shared.Outcome = flows.ContactInvalid
		return shared, nil
	}
	err := ib.store.InTx(ctx, func(tx *store.Tx) error {
		contact, linked, err := tx.LinkPhone(chat, card.Phone, in.Language)
		if err != nil {
			return err
		}
		switch linked {
		case store.LinkMerged:
			shared.Outcome = flows.ContactMerged
		case store.LinkConflict:
			shared.Outcome = flows.ContactConflict
		default:
			shared.Outcome = flows.ContactLinked
		}
		ib.log.Info("inbox: phone shared", "channel", in.Channel, "contact", contact.ID, "phone", phone.Mask(card.Phone), "outcome", shared.Outcome)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("link phone: %w", err)
	}
	return shared, nil
}
