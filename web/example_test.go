package web_test

import (
	"log"
	"net/http"

	"github.com/deskhand/deskhand/signaling"
	"github.com/deskhand/deskhand/web"
)

// A server that introduces hosts and viewers and serves the browser
// viewer: open http://127.0.0.1:8080/?id=ID&code=CODE to connect.
func ExampleHandler() {
	sig, err := signaling.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer sig.Close()
	viewer, err := web.Handler(web.WithSignalingURL("/v1/signal"))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/signal", sig)
	mux.Handle("/", viewer)
	_ = http.ListenAndServe("127.0.0.1:8080", mux)
}
