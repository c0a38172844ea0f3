package xapi

import (
	"context"
	"errors"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/michimani/gotwi"
	"github.com/michimani/gotwi/fields"
	"github.com/michimani/gotwi/resources"
	"github.com/michimani/gotwi/tweet/timeline"
	tmtypes "github.com/michimani/gotwi/tweet/timeline/types"

	"github.com/acme/twitter-cases/shared/twtext"
)

// maxTimelinePages bounds how far RecentTweets reads back (100 Tweets a page).
const maxTimelinePages = 3

// RecentTweets returns the brand handle's own Tweets (replies included,
// Retweets left out) created from from up to to (no upper bound when to is
// zero), newest first: at most 300 (GET /2/users/:id/tweets). Each carries
// the Tweet it replies to and what its t.co links stand for.
func (c *Client) RecentTweets(ctx context.Context, auth BrandAuth, from, to time.Time) ([]Tweet, error) {
	if auth.XUserID == "" {
		return nil, errors.New("xapi: recent tweets: no user id")
	}
	start := from.UTC().Truncate(time.Second)
	var end *time.Time
	if !to.IsZero() {
		e := to.UTC().Truncate(time.Second).Add(time.Second)
		end = &e
	}
	var tweets []Tweet
	token := ""
	for page := 0; page < maxTimelinePages; page++ {
		p := &tmtypes.ListTweetsInput{ID: auth.XUserID, StartTime: &start, EndTime: end, MaxResults: 100, PaginationToken: token,
			Exclude: fields.ExcludeList{fields.ExcludeRetweets},
			TweetFields: fields.TweetFieldList{fields.TweetFieldAuthorID, fields.TweetFieldCreatedAt,
				fields.TweetFieldEntities, fields.TweetFieldReferencedTweets}}
		var out *tmtypes.ListTweetsOutput
		err := c.do(ctx, "recent tweets", auth, func(ctx context.Context, gc *gotwi.Client) error {
			var err error
			out, err = timeline.ListTweets(ctx, gc, p)
			if err == nil && len(out.Data) == 0 && len(out.Errors) > 0 {
				return partialError("recent tweets", out.Errors)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, d := range out.Data {
			tweets = append(tweets, tweetOf(d))
		}
		token = gotwi.StringValue(out.Meta.NextToken)
		if token == "" {
			break
		}
	}
	return tweets, nil
}

// tweetOf reads a Tweet of X's answer.
func tweetOf(d resources.Tweet) Tweet {
	t := Tweet{ID: gotwi.StringValue(d.ID), Text: html.UnescapeString(gotwi.StringValue(d.Text)), AuthorID: gotwi.StringValue(d.AuthorID)}
	if d.CreatedAt != nil {
		t.CreatedAt = d.CreatedAt.UTC()
	} else {
		t.CreatedAt, _ = SnowflakeTime(t.ID)
	}
	for _, r := range d.ReferencedTweets {
		if gotwi.StringValue(r.Type) == "replied_to" {
			t.InReplyToTweetID = gotwi.StringValue(r.ID)
		}
	}
	if d.Entities != nil {
		for _, u := range d.Entities.URLs {
			t.Links = append(t.Links, Link{URL: gotwi.StringValue(u.URL), ExpandedURL: gotwi.StringValue(u.ExpandedURL)})
		}
	}
	return t
}

// Link is a t.co link of a Tweet's or DM's text and the URL it stands for.
type Link struct {
	URL         string
	ExpandedURL string
}

// Attempt is what an earlier attempt to post a Tweet asked X for:
// FindTweets looks for what it may have left on X.
type Attempt struct {
	// Text is the text as the product sent it (links as the agent wrote them).
	Text string
	// InReplyToTweetID is the Tweet a Tweet replied to; "" for none.
	InReplyToTweetID string
	// From and To bound when X may have created it (allow for clock skew).
	From, To time.Time
}

// FindTweets returns the ids of the brand handle's Tweets, newest first,
// that the attempt may have posted: created within its window, replying to
// the same Tweet (or to none), with the same text once every t.co link is
// read as the URL it stands for and URLs are compared in their canonical
// form (see SameText). A worker that may have posted a Tweet before it
// failed adopts one of these instead of posting again, after checking that
// no other message holds it.
func (c *Client) FindTweets(ctx context.Context, auth BrandAuth, a Attempt) ([]string, error) {
	tweets, err := c.RecentTweets(ctx, auth, a.From, a.To)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range tweets {
		if inWindow(t.CreatedAt, a) && t.InReplyToTweetID == a.InReplyToTweetID && SameText(t.Text, t.Links, a.Text) {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

func inWindow(at time.Time, a Attempt) bool {
	return !at.IsZero() && !at.Before(a.From) && (a.To.IsZero() || !at.After(a.To))
}

// SameText reports whether a text X shows (its t.co links standing for
// links' expanded URLs) is the text ours: the same words, and the same URLs
// once each is canonical (scheme added when missing, scheme and host in
// lower case, a lone "/" path dropped). A link whose expansion X did not
// give matches nothing but itself.
func SameText(shown string, links []Link, ours string) bool {
	for _, l := range links {
		if l.URL != "" && l.ExpandedURL != "" {
			shown = strings.Replace(shown, l.URL, l.ExpandedURL, 1)
		}
	}
	return canonicalText(shown) == canonicalText(ours)
}

// canonicalText is text with its URLs in canonical form, trimmed.
func canonicalText(text string) string {
	found := twtext.ExtractURLs(text)
	if len(found) == 0 {
		return strings.TrimSpace(text)
	}
	var b strings.Builder
	rest := text
	for _, u := range found {
		i := strings.Index(rest, u)
		if i < 0 {
			continue
		}
		b.WriteString(rest[:i])
		b.WriteString(canonicalURL(u))
		rest = rest[i+len(u):]
	}
	b.WriteString(rest)
	return strings.TrimSpace(b.String())
}

// canonicalURL is u with a scheme (http:// when it has none, as X expands
// it), scheme and host in lower case, and no lone "/" path.
func canonicalURL(u string) string {
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Scheme, p.Host = strings.ToLower(p.Scheme), strings.ToLower(p.Host)
	if p.Path == "/" && p.RawQuery == "" && p.Fragment == "" {
		p.Path = ""
	}
	return p.String()
}
