package signaling_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/deskhand/deskhand/signaling"
)

// Pipe connects two Links in memory, for testing code that negotiates over a Link.
func ExamplePipe() {
	ctx := context.Background()
	host, viewer := signaling.Pipe()
	_ = host.Send(ctx, signaling.Signal{Type: "bye", Reason: "refused by the user"})
	_ = host.Close()

	bye, _ := viewer.Recv(ctx)
	fmt.Println(bye.Type, bye.Reason)
	_, err := viewer.Recv(ctx)
	fmt.Println(errors.Is(err, signaling.ErrPeerGone))
	// Output:
	// bye refused by the user
	// true
}
