// Command kube-apiserver is the oldest Kubernetes API server Albatross supports (docs/operations.md),
// built from the Go module proxy so a test installs the CRDs and examples on it.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
