package casework

import (
	"context"
	"fmt"
)

// EReplyNotSummoned: a mention reply X would refuse on the deployment's
// self-serve access, because the author of the Post it replies to did not
// summon the replying brand handle (neither @mentioned it nor quoted one
// of its Posts). Nothing is sent to X.
const EReplyNotSummoned = "reply_not_summoned"

// MentionPermit says whether a brand handle may reply by mention to a
// Post, and when not, why (Code and Reason, fit to show).
type MentionPermit struct {
	Allowed bool
	Code    string
	Reason  string
	// Summoned: the Post's author summoned the brand handle, so X bills
	// the reply as a summoned reply (PriceSummonedReply).
	Summoned bool
}

// mentionPermit is X's reply rule for the deployment's access: on
// Enterprise access, and for a Tweet that replies to nothing, a mention is
// allowed (X decides about programmatic @mentions in new Posts, publishing
// no rule: its refusal fails the message, see the outbound rules); on
// self-serve access a reply is allowed only to a Post whose author
// summoned the brand handle (summoned).
func (s *Service) mentionPermit(ctx context.Context, h *BrandHandle, target *Message) (MentionPermit, error) {
	if target == nil || !s.access.RepliesNeedSummons() {
		// On Enterprise X bills by contract, not by the pay-per-use list:
		// a reply is priced as a Post, and no read is spent on the summons.
		return MentionPermit{Allowed: true}, nil
	}
	ok, err := s.summoned(ctx, h, target)
	if err != nil || ok {
		return MentionPermit{Allowed: err == nil, Summoned: ok}, err
	}
	who := "its author"
	if target.Author.ScreenName != "" {
		who = "@" + target.Author.ScreenName
	}
	return MentionPermit{Code: EReplyNotSummoned, Reason: fmt.Sprintf(
		"X lets this deployment's app (%s access) reply only to a Post whose author @mentioned the replying account or quoted one of its Posts, and %s did neither for @%s in this Post. "+
			"Reply from a brand handle the Post mentions, or send a Direct Message where one is allowed.", s.access, who, h.ScreenName)}, nil
}

// summoned reports whether target's author summoned the brand handle h:
// target is h's own Post (a thread of its own), @mentions h, or quotes one
// of h's Posts the product knows.
func (s *Service) summoned(ctx context.Context, h *BrandHandle, target *Message) (bool, error) {
	if target.Author == (Author{}) && target.Text == "" {
		// The case's summary names the target without its text: read it.
		full, err := s.store.GetMessage(ctx, target.CaseID, target.ID)
		if err != nil {
			return false, err
		}
		target = full
	}
	if target.Direction == DirectionOut {
		return target.Author.HandleID == h.ID, nil
	}
	if Mentions(target.Text, h.ScreenName) {
		return true, nil
	}
	if target.QuotedXID == "" {
		return false, nil
	}
	quoted, err := s.store.MessageByXID(ctx, KindTweet, target.QuotedXID)
	if ErrorCode(err) == ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return quoted.Direction == DirectionOut && quoted.Author.HandleID == h.ID, nil
}

// notSummoned is the refusal of a mention reply the permit does not allow.
func (s *Service) notSummoned(p MentionPermit) error {
	return &Error{Code: p.Code, Message: p.Reason, Extra: map[string]any{"x_access": string(s.access)}}
}
