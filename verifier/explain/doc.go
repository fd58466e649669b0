// Package explain tells why the verifier decided as it did, from the
// checks the simulator actually made (verifier.Config.Explain): for each
// instruction on the verified path its decoded slots, the kernel functions
// that checked it and each check in order, and its register changes; for
// a rejection or an oops, why in one sentence and which field to change.
// Diff runs both profiles on the same bytes and names the kernel change
// behind each difference.
//
// The CLI's "verisim explain" and "verisim diff" render what this package
// builds.
package explain
