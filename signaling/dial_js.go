//go:build js

package signaling

import (
	"context"
	"fmt"

	"github.com/coder/websocket"
)

// dial uses the browser's WebSocket, which has its own HTTP stack: WithHTTPClient does not apply.
func dial(ctx context.Context, url string, _ *clientOptions) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return ws, nil
}
