package xapi

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/michimani/gotwi"
	"github.com/michimani/gotwi/fields"
	"github.com/michimani/gotwi/resources"
	"github.com/michimani/gotwi/tweet/managetweet"
	mtypes "github.com/michimani/gotwi/tweet/managetweet/types"
	"github.com/michimani/gotwi/tweet/retweet"
	rtypes "github.com/michimani/gotwi/tweet/retweet/types"
	"github.com/michimani/gotwi/tweet/tweetlookup"
	tltypes "github.com/michimani/gotwi/tweet/tweetlookup/types"
	"github.com/michimani/gotwi/user/follow"
	ftypes "github.com/michimani/gotwi/user/follow/types"
	"github.com/michimani/gotwi/user/userlookup"
	ultypes "github.com/michimani/gotwi/user/userlookup/types"

	"github.com/acme/twitter-cases/shared/casework"
)

// Endpoints called through gotwi's CallAPI with the adapter's own types
// (gotwi keeps its endpoint constants unexported).
const (
	tweetEndpoint   = "https://api.twitter.com/2/tweets/:id"
	retweetEndpoint = "https://api.twitter.com/2/users/:id/retweets"
	followEndpoint  = "https://api.twitter.com/2/users/:id/following"
)

// TweetResult is a Tweet X has created.
type TweetResult struct {
	ID string
	// Text is the text as X keeps it, with X's HTML entities (&amp; &lt;
	// &gt;) decoded.
	Text string
	// CreatedAt is read from the Tweet's id (a snowflake), since X's answer
	// to POST /2/tweets carries no time.
	CreatedAt time.Time
}

// CreateTweet posts text as the brand handle, as a reply to
// inReplyToTweetID when it is not empty (POST /2/tweets).
func (c *Client) CreateTweet(ctx context.Context, auth BrandAuth, text, inReplyToTweetID string) (TweetResult, error) {
	p := &mtypes.CreateInput{Text: gotwi.String(text)}
	if inReplyToTweetID != "" {
		p.Reply = &mtypes.CreateInputReply{InReplyToTweetID: inReplyToTweetID}
	}
	var out *mtypes.CreateOutput
	err := c.do(ctx, "create tweet", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var err error
		out, err = managetweet.Create(ctx, gc, p)
		return err
	})
	if err != nil {
		return TweetResult{}, err
	}
	id := gotwi.StringValue(out.Data.ID)
	if id == "" {
		return TweetResult{}, errors.New("xapi: create tweet: X's answer has no Tweet id")
	}
	res := TweetResult{ID: id, Text: html.UnescapeString(gotwi.StringValue(out.Data.Text))}
	res.CreatedAt, _ = SnowflakeTime(id)
	return res, nil
}

// DeleteTweet deletes one of the brand handle's Tweets (DELETE /2/tweets/:id).
func (c *Client) DeleteTweet(ctx context.Context, auth BrandAuth, tweetID string) error {
	if tweetID == "" {
		return errors.New("xapi: delete tweet: no Tweet id")
	}
	return c.do(ctx, "delete tweet", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				Deleted bool `json:"deleted"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, tweetEndpoint, "DELETE", &mtypes.DeleteInput{ID: tweetID}, &out); err != nil {
			return err
		}
		if out.Data == nil || !out.Data.Deleted {
			return partialError("delete tweet", out.Errors)
		}
		return nil
	})
}

// Tweet is a Tweet as a lookup finds it.
type Tweet struct {
	ID string
	// Text has X's HTML entities (&amp; &lt; &gt;) decoded.
	Text      string
	AuthorID  string
	CreatedAt time.Time
	// InReplyToTweetID is the Tweet it replies to ("" for none), and Links
	// what its t.co links stand for; only RecentTweets fills them in.
	InReplyToTweetID string
	Links            []Link
}

// LookupTweet finds a Tweet as the brand handle sees it (GET /2/tweets/:id).
// A Tweet that does not exist (or was deleted) is an *Error for which
// IsNotFound is true.
func (c *Client) LookupTweet(ctx context.Context, auth BrandAuth, tweetID string) (Tweet, error) {
	if tweetID == "" {
		return Tweet{}, errors.New("xapi: lookup tweet: no Tweet id")
	}
	p := &tltypes.GetInput{ID: tweetID, TweetFields: fields.TweetFieldList{fields.TweetFieldAuthorID, fields.TweetFieldCreatedAt}}
	var out *tltypes.GetOutput
	err := c.do(ctx, "lookup tweet", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var err error
		out, err = tweetlookup.Get(ctx, gc, p)
		if err == nil && out.Data.ID == nil {
			return partialError("lookup tweet", out.Errors)
		}
		return err
	})
	if err != nil {
		return Tweet{}, err
	}
	t := Tweet{ID: gotwi.StringValue(out.Data.ID), Text: html.UnescapeString(gotwi.StringValue(out.Data.Text)), AuthorID: gotwi.StringValue(out.Data.AuthorID)}
	if out.Data.CreatedAt != nil {
		t.CreatedAt = out.Data.CreatedAt.UTC()
	}
	return t, nil
}

// Retweet Retweets the Tweet as the brand handle (POST /2/users/:id/retweets).
// Retweeting a Tweet again changes nothing.
func (c *Client) Retweet(ctx context.Context, auth BrandAuth, tweetID string) error {
	if auth.XUserID == "" || tweetID == "" {
		return errors.New("xapi: retweet: need the handle's user id and the Tweet id")
	}
	return c.do(ctx, "retweet", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				Retweeted bool `json:"retweeted"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, retweetEndpoint, "POST", &rtypes.CreateInput{ID: auth.XUserID, TweetID: tweetID}, &out); err != nil {
			return err
		}
		if out.Data == nil || !out.Data.Retweeted {
			return partialError("retweet", out.Errors)
		}
		return nil
	})
}

// UndoRetweet removes the brand handle's Retweet of the Tweet (DELETE
// /2/users/:id/retweets/:source_tweet_id); without one, it changes nothing.
func (c *Client) UndoRetweet(ctx context.Context, auth BrandAuth, tweetID string) error {
	if auth.XUserID == "" || tweetID == "" {
		return errors.New("xapi: undo retweet: need the handle's user id and the Tweet id")
	}
	return c.do(ctx, "undo retweet", auth, func(ctx context.Context, gc *gotwi.Client) error {
		_, err := retweet.Delete(ctx, gc, &rtypes.DeleteInput{ID: auth.XUserID, SourceTweetID: tweetID})
		return err
	})
}

// FollowResult is X's answer to a follow.
type FollowResult struct {
	Following bool
	// PendingFollow is set when the user is protected: X sent a follow
	// request instead.
	PendingFollow bool
}

// Follow makes the brand handle follow the user (POST /2/users/:id/following).
func (c *Client) Follow(ctx context.Context, auth BrandAuth, targetUserID string) (FollowResult, error) {
	if auth.XUserID == "" || targetUserID == "" {
		return FollowResult{}, errors.New("xapi: follow: need the handle's user id and the target's")
	}
	var res FollowResult
	err := c.do(ctx, "follow", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				Following     bool `json:"following"`
				PendingFollow bool `json:"pending_follow"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, followEndpoint, "POST", &ftypes.CreateFollowingInput{ID: auth.XUserID, TargetID: targetUserID}, &out); err != nil {
			return err
		}
		if out.Data == nil {
			return partialError("follow", out.Errors)
		}
		res = FollowResult{Following: out.Data.Following, PendingFollow: out.Data.PendingFollow}
		return nil
	})
	return res, err
}

// Unfollow makes the brand handle stop following the user (DELETE
// /2/users/:source_user_id/following/:target_user_id); if it did not
// follow them, nothing changes.
func (c *Client) Unfollow(ctx context.Context, auth BrandAuth, targetUserID string) error {
	if auth.XUserID == "" || targetUserID == "" {
		return errors.New("xapi: unfollow: need the handle's user id and the target's")
	}
	return c.do(ctx, "unfollow", auth, func(ctx context.Context, gc *gotwi.Client) error {
		_, err := follow.DeleteFollowing(ctx, gc, &ftypes.DeleteFollowingInput{SourceUserID: auth.XUserID, TargetID: targetUserID})
		return err
	})
}

// Client implements casework.XUsers through LookupUser.
var _ casework.XUsers = (*Client)(nil)

// LookupUser finds the X account with the username (no '@'), signing as the
// brand handle Config.LookupAs (GET /2/users/by/username/:username). An
// account X does not know is a *casework.Error with code
// ETwitterUserNotFound.
func (c *Client) LookupUser(ctx context.Context, username string) (casework.XUser, error) {
	return c.LookupUserAs(ctx, c.lookupAs, username)
}

// LookupUserAs is LookupUser signing as the given brand handle.
func (c *Client) LookupUserAs(ctx context.Context, auth BrandAuth, username string) (casework.XUser, error) {
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	if username == "" {
		return casework.XUser{}, casework.Errorf(casework.EInvalidHandle, "A screen name is 1 to 15 letters, digits or underscores.")
	}
	var out *ultypes.GetByUsernameOutput
	err := c.do(ctx, "lookup user", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var err error
		out, err = userlookup.GetByUsername(ctx, gc, &ultypes.GetByUsernameInput{Username: username})
		if err == nil && out.Data.ID == nil {
			return partialError("lookup user", out.Errors)
		}
		return err
	})
	if IsNotFound(err) {
		return casework.XUser{}, casework.Errorf(casework.ETwitterUserNotFound, "X has no account @%s.", username)
	}
	if err != nil {
		return casework.XUser{}, err
	}
	return casework.XUser{ID: gotwi.StringValue(out.Data.ID), Username: gotwi.StringValue(out.Data.Username), Name: gotwi.StringValue(out.Data.Name)}, nil
}

// partialErrors is X's errors array in a 200 answer (gotwi's Response
// interface needs HasPartialError).
type partialErrors struct {
	Errors []resources.PartialError `json:"errors"`
}

func (p *partialErrors) HasPartialError() bool { return len(p.Errors) > 0 }

// partialError turns a 200 answer without data into an *Error, from its
// errors array (X's way of saying a Tweet or user does not exist).
func partialError(op string, errs []resources.PartialError) error {
	e := &Error{Op: op, StatusCode: 200}
	for _, pe := range errs {
		e.Errors = append(e.Errors, ErrorDetail{Title: gotwi.StringValue(pe.Title), Detail: gotwi.StringValue(pe.Detail),
			Type: gotwi.StringValue(pe.Type), Parameter: gotwi.StringValue(pe.Parameter), Value: gotwi.StringValue(pe.Value),
			ResourceType: gotwi.StringValue(pe.ResourceType)})
	}
	if len(e.Errors) == 0 {
		e.Err = fmt.Errorf("X answered without data or errors")
		return e
	}
	e.Title, e.Detail, e.Type = e.Errors[0].Title, e.Errors[0].Detail, e.Errors[0].Type
	return e
}

// UserState is an X account as a brand handle sees it: who it is, and
// how it and the brand handle follow each other (X's connection_status).
type UserState struct {
	ID, Username, Name string
	// FollowsBrand: the user follows the brand handle ("followed_by").
	FollowsBrand bool
	// BrandFollows: the brand handle follows the user ("following").
	BrandFollows bool
	// ReceivesYourDM: the user accepts Direct Messages from the brand
	// handle (X's receives_your_dm).
	ReceivesYourDM bool
}

// userByIDEndpoint is X's user lookup by id.
const userByIDEndpoint = "https://api.twitter.com/2/users/:id"

// UserByID looks the X account with the id up, signed as the brand handle
// (GET /2/users/:id with user.fields=connection_status and
// receives_your_dm, from the brand handle's side). An account X does not know (deleted, suspended) is a
// *casework.Error with code ETwitterUserNotFound.
func (c *Client) UserByID(ctx context.Context, auth BrandAuth, id string) (UserState, error) {
	if id == "" {
		return UserState{}, errors.New("xapi: user by id: no id")
	}
	var st UserState
	err := c.do(ctx, "user by id", auth, func(ctx context.Context, gc *gotwi.Client) error {
		var out struct {
			Data *struct {
				ID               string   `json:"id"`
				Name             string   `json:"name"`
				Username         string   `json:"username"`
				ConnectionStatus []string `json:"connection_status"`
				ReceivesYourDM   bool     `json:"receives_your_dm"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, userByIDEndpoint, "GET", &userByIDInput{ID: id}, &out); err != nil {
			return err
		}
		if out.Data == nil || out.Data.ID == "" {
			return partialError("user by id", out.Errors)
		}
		st = UserState{ID: out.Data.ID, Username: out.Data.Username, Name: out.Data.Name, ReceivesYourDM: out.Data.ReceivesYourDM}
		for _, s := range out.Data.ConnectionStatus {
			switch s {
			case "followed_by":
				st.FollowsBrand = true
			case "following":
				st.BrandFollows = true
			}
		}
		return nil
	})
	if IsNotFound(err) {
		return UserState{}, casework.Errorf(casework.ETwitterUserNotFound, "X has no account with id %s.", id)
	}
	return st, err
}

// userByIDInput is the parameters of GET /2/users/:id for gotwi's CallAPI.
type userByIDInput struct {
	accessToken string
	ID          string
}

const userByIDFields = "connection_status,name,receives_your_dm,username"

func (p *userByIDInput) SetAccessToken(token string) { p.accessToken = token }
func (p *userByIDInput) AccessToken() string         { return p.accessToken }

func (p *userByIDInput) ResolveEndpoint(endpointBase string) string {
	return strings.Replace(endpointBase, ":id", url.PathEscape(p.ID), 1) + "?user.fields=" + userByIDFields
}

func (p *userByIDInput) Body() (io.Reader, error) { return nil, nil }

func (p *userByIDInput) ParameterMap() map[string]string {
	return map[string]string{"user.fields": userByIDFields}
}
