// Command kstatus prints the status sigs.k8s.io/cli-utils' kstatus computes for Kubernetes objects:
// the library Flux's `wait`, kubectl/kpt and Config Sync use to decide an object is ready. It reads
// a stream of JSON objects on stdin and writes one JSON line {"status","message"} (or {"error"}) each.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type result struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

func main() {
	dec := json.NewDecoder(os.Stdin)
	enc := json.NewEncoder(os.Stdout)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			fmt.Fprintf(os.Stderr, "kstatus: reading stdin: %v\n", err)
			os.Exit(2)
		}
		// UnmarshalJSON keeps integers int64, as objects read from the apiserver have them.
		u := &unstructured.Unstructured{}
		out := result{}
		if err := u.UnmarshalJSON(raw); err != nil {
			out.Error = err.Error()
		} else if res, err := status.Compute(u); err != nil {
			out.Error = err.Error()
		} else {
			out.Status, out.Message = res.Status.String(), res.Message
		}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(os.Stderr, "kstatus: writing stdout: %v\n", err)
			os.Exit(2)
		}
	}
}
