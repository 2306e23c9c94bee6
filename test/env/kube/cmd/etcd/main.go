// Command etcd is the etcd server at the version kube-apiserver itself depends on, so the
// two share one module graph and stay compatible.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
