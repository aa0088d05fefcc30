package portapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// ReplaceBlueprint replaces a blueprint with bp (PUT /v1/blueprints/{id}):
// whatever bp leaves out is removed, so callers send the whole blueprint as
// GetBlueprint returned it, changed. A missing blueprint is an *Error for
// which IsNotFound is true.
func (c *Client) ReplaceBlueprint(ctx context.Context, id string, bp json.RawMessage) error {
	p, err := blueprintPath(id)
	if err != nil {
		return fmt.Errorf("replace blueprint: %w", err)
	}
	if !json.Valid(bp) {
		return fmt.Errorf("replace blueprint %s: the blueprint is not valid JSON", id)
	}
	_, err = c.doJSON(ctx, apiCall(http.MethodPut, p, nil, bp), nil)
	return err
}
