package localrun

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

// chatPhone is a simulated customer's X app, as the test holds it: keys
// made by X's engine, registered through X's endpoint with the customer's
// own OAuth 2.0 token.
type chatPhone struct {
	id, bearer string
	chat       *xchat.Chat
}

func newChatPhone(t *testing.T, simURL, username string) *chatPhone {
	t.Helper()
	ctx := context.Background()
	_, body := call(t, "GET", simURL+"/sim/users/"+username+"/credentials", "", "")
	var creds struct {
		UserID string `json:"user_id"`
		OAuth2 struct {
			AccessToken string `json:"access_token"`
		} `json:"oauth2"`
	}
	if err := json.Unmarshal([]byte(body), &creds); err != nil || creds.OAuth2.AccessToken == "" {
		t.Fatalf("credentials of %s: %s", username, body)
	}
	eng, err := xchat.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := eng.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	reg, err := c.GenerateKeypairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pk := reg.PublicKey
	in, _ := json.Marshal(map[string]any{"version": reg.Version, "generate_version": reg.GenerateVersion, "public_key": map[string]string{
		"public_key": pk.PublicKey, "signing_public_key": pk.SigningPublicKey, "identity_public_key_signature": pk.IdentityPublicKeySignature,
		"public_key_fingerprint": pk.PublicKeyFingerprint, "registration_method": pk.RegistrationMethod, "signing_public_key_signature": pk.SigningPublicKeySignature}})
	status, out := call(t, "POST", simURL+"/2/users/"+creds.UserID+"/public_keys", creds.OAuth2.AccessToken, string(in))
	var got struct {
		Data struct {
			PublicKeyVersion string `json:"public_key_version"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &got); status != 200 || err != nil {
		t.Fatalf("register %s's keys: %d %s", username, status, out)
	}
	if err := c.SetIdentity(ctx, creds.UserID, got.Data.PublicKeyVersion); err != nil {
		t.Fatal(err)
	}
	return &chatPhone{id: creds.UserID, bearer: creds.OAuth2.AccessToken, chat: c}
}

// reads is what the customer's phone decrypts and verifies of its
// conversation with the brand, read through X's endpoints as the customer.
func (p *chatPhone) reads(t *testing.T, simURL, brandXUserID string) []string {
	t.Helper()
	ctx := context.Background()
	_, body := call(t, "GET", simURL+"/2/chat/conversations/"+casework.ChatConversationID(p.id, brandXUserID)+"/events?max_results=100", p.bearer, "")
	var page struct {
		Data []struct {
			EncodedEvent string `json:"encoded_event"`
		} `json:"data"`
		Meta struct {
			ConversationKeyEvents []string `json:"conversation_key_events"`
		} `json:"meta"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatalf("events: %s", body)
	}
	var signing []xchat.SigningKey
	for _, id := range []string{p.id, brandXUserID} {
		_, body := call(t, "GET", simURL+"/2/users/"+id+"/public_keys", p.bearer, "")
		var keys struct {
			Data []xapi.ChatPublicKey `json:"data"`
		}
		json.Unmarshal([]byte(body), &keys)
		for _, k := range keys.Data {
			signing = append(signing, xchat.SigningKey{UserID: id, PublicKeyVersion: k.Version, PublicKey: k.SigningPublicKey,
				IdentityPublicKey: k.PublicKey, IdentityPublicKeySignature: k.IdentityPublicKeySignature})
		}
	}
	events := append([]string(nil), page.Meta.ConversationKeyEvents...)
	for i := len(page.Data) - 1; i >= 0; i-- {
		events = append(events, page.Data[i].EncodedEvent)
	}
	res, err := p.chat.DecryptEvents(ctx, events, signing)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range res.Messages {
		if m.Event.Type == "message" && m.Event.Content != nil && m.Event.Verified {
			texts = append(texts, m.Event.Content.Text)
		}
	}
	return texts
}
