package consoleapi

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleReplyOptions is GET /v1/cases/{id}/reply-options.
func (s *server) handleReplyOptions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.svc.ReplyOptions(r.Context(), r.PathValue("id"))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newReplyOptionsView(o, s.svc.Pricing().AsOf))
	})
}

// handleReply is POST /v1/cases/{id}/replies: 202 {message} with the message queued.
func (s *server) handleReply() http.Handler {
	type request struct {
		Mode               string `json:"mode"`
		HandleID           string `json:"handle_id"`
		Text               string `json:"text"`
		InReplyToMessageID string `json:"in_reply_to_message_id"`
	}
	type response struct {
		Message messageView `json:"message"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		m, err := s.svc.Reply(r.Context(), casework.ReplyRequest{
			CaseID: r.PathValue("id"), Mode: casework.TextMode(req.Mode), HandleID: req.HandleID,
			Text: req.Text, InReplyToMessageID: req.InReplyToMessageID,
		})
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusAccepted, response{newMessageView(m)})
	})
}

// handleTextCount is POST /v1/text/count {text, mode}: the counter, judged
// exactly as a reply or a new case would be.
func (s *server) handleTextCount() http.Handler {
	type request struct {
		Text string `json:"text"`
		Mode string `json:"mode"`
		// CaseID, HandleID and InReplyToMessageID price the text as a
		// reply in that case (a summoned reply costs less).
		CaseID             string `json:"case_id"`
		HandleID           string `json:"handle_id"`
		InReplyToMessageID string `json:"in_reply_to_message_id"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		c, err := s.svc.CountText(casework.TextMode(req.Mode), req.Text)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		price, err := s.svc.PriceSend(r.Context(), casework.PriceQuery{Mode: c.Mode, Text: req.Text,
			CaseID: req.CaseID, HandleID: req.HandleID, InReplyToMessageID: req.InReplyToMessageID})
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, textCountView{Mode: string(c.Mode), WeightedLength: c.WeightedLength, MaxLength: c.MaxLength, Valid: c.Valid,
			Price: newPriceView(price, s.svc.Pricing().AsOf)})
	})
}
