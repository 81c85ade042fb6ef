// Package readme holds no code: its test keeps the README's package table
// true to the tree (every package listed, no package listed that is gone).
package readme
