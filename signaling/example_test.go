//go:build !js

package signaling_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/deskhand/deskhand/signaling"
)

// A host registers, a viewer joins with the ID and code the host shows, and the two negotiate.
func Example() {
	ctx := context.Background()
	srv, _ := signaling.NewServer()
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	url := "ws" + strings.TrimPrefix(ts.URL, "http")

	host, err := signaling.Register(ctx, url, signaling.WithName("alice-laptop"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	creds := host.Credentials() // shown to the host's user, who reads it to the viewer's user

	viewer, err := signaling.Join(ctx, url, creds.ID, creds.Code, signaling.WithName("bob"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer viewer.Close()
	link, err := host.Accept(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("host sees", link.Peer().Name, "- viewer sees", viewer.Peer().Name)

	_ = link.Send(ctx, signaling.Signal{Type: "offer", SDP: "v=0 ..."})
	offer, _ := viewer.Recv(ctx)
	_ = viewer.Send(ctx, signaling.Signal{Type: "answer", SDP: "v=0 ..."})
	answer, _ := link.Recv(ctx)
	fmt.Println(offer.Type, answer.Type)

	// The code was one-time.
	_, err = signaling.Join(ctx, url, creds.ID, creds.Code)
	fmt.Println(err)
	// Output:
	// host sees bob - viewer sees alice-laptop
	// offer answer
	// signaling: code expired or already used; ask for the current code
}

// A viewer comes back with the resume token its host gave it, instead of a code; the host checks
// the token and rejects one it does not know.
func ExampleResume() {
	ctx := context.Background()
	srv, _ := signaling.NewServer()
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	url := "ws" + strings.TrimPrefix(ts.URL, "http")

	host, err := signaling.Register(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	known := map[string]bool{signaling.NewResumeToken(): true} // tokens the host gave out

	viewer, err := signaling.Resume(ctx, url, host.Credentials().ID, signaling.NewResumeToken())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer viewer.Close()
	link, err := host.Accept(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	if !known[link.Peer().Resume] {
		_ = link.Send(ctx, signaling.Signal{Type: "bye", Reason: "unknown session"})
		_ = link.Reject(ctx) // counts against the viewer's address, like a wrong code
	}
	bye, _ := viewer.Recv(ctx)
	_, err = viewer.Recv(ctx)
	fmt.Println(bye.Reason)
	fmt.Println(errors.Is(err, signaling.ErrResumeRefused))
	// Output:
	// unknown session
	// true
}
