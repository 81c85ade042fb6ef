package inbox

import (
	"github.com/tamkeen/tamkeen/bot"
	"github.com/tamkeen/tamkeen/flows"
	"github.com/tamkeen/tamkeen/store"
)

// written is what an input keeps of what the person sent, for staff to
// read: its kind and its text (a tapped button's payload; nothing of a
// shared card, whose number is linked, not kept as words).
func written(in bot.Input) (kind, text string) {
	switch in.Kind {
	case bot.KindMessage, bot.KindMorePlease:
		if in.Payload != "" {
			return store.InboundButton, in.Payload
		}
		return store.InboundText, in.Text
	case bot.KindEdited:
		return store.InboundEdited, in.Text
	case bot.KindUnreadable:
		if in.Media == "" {
			return bot.MediaOther, ""
		}
		return in.Media, ""
	case bot.KindSharedContact:
		return store.InboundCard, ""
	}
	return store.InboundUnknown, ""
}

// staff saves what a turn asked of staff: a conversation to open, or a
// message that waits for an answer; a person's new governorate (they had
// governorate before the turn) on their conversations; and, when the
// person withdrew their agreement to the privacy notice, forgets what they
// wrote.
func (ib *Inbox) staff(tx *store.Tx, c *store.Contact, in bot.Input, res flows.Result, consented bool, governorate string) error {
	if governorate != c.Governorate && !c.New() { // moved: the inbox's lists by region follow
		if err := tx.ConversationsMoved(c.ID, c.Governorate); err != nil {
			return err
		}
	}
	switch {
	case res.OpenConversation:
		if err := tx.OpenConversation(c.ID, in.Channel); err != nil {
			return err
		}
	case res.ForStaff:
		if err := tx.ConversationInbound(c.ID, in.Channel); err != nil {
			return err
		}
	}
	if consented && res.Profile.ConsentAt.IsZero() {
		return tx.ForgetTexts(c.ID)
	}
	return nil
}
