//go:build !js

package signaling

import (
	"context"
	"fmt"

	"github.com/coder/websocket"
)

func dial(ctx context.Context, url string, o *clientOptions) (*websocket.Conn, error) {
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: o.httpClient})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if resp != nil {
			return nil, fmt.Errorf("%w: %s answered HTTP %d: %v", ErrUnreachable, url, resp.StatusCode, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return ws, nil
}
