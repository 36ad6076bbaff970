package codec

import (
	"sync"
	"sync/atomic"
)

// pool runs the numbered tasks of one phase on the calling goroutine and
// n-1 persistent workers. Tasks are taken in order from a shared counter, so
// the work balances itself; what a task writes depends only on its number,
// never on which goroutine ran it. Nothing is allocated per phase.
type pool struct {
	wake  []chan struct{} // one per worker
	tasks sync.WaitGroup  // workers busy in this phase
	alive sync.WaitGroup  // worker goroutines
	next  atomic.Int64
	total int64
	fn    func(worker, task int)
}

// cacheLinePad ends per-worker scratch that sits in one slice, one element
// per worker. Without it the last fields of one element and the first of the
// next share a cache line, and two cores writing them pass the line back and
// forth (false sharing): the Decoder's JPEG decoders did, which made a
// full-screen photograph's decoding about 16% slower on two cores
// (BenchmarkFullPhaseCodec in bench/internal/e2e). 128 bytes, because x86
// processors fetch cache lines in pairs.
type cacheLinePad [128]byte

func newPool(n int, fn func(worker, task int)) *pool {
	p := &pool{fn: fn, wake: make([]chan struct{}, n-1)}
	for i := range p.wake {
		p.wake[i] = make(chan struct{})
		p.alive.Add(1)
		go p.worker(i + 1)
	}
	return p
}

func (p *pool) worker(id int) {
	defer p.alive.Done()
	for range p.wake[id-1] {
		p.loop(id)
		p.tasks.Done()
	}
}

func (p *pool) loop(id int) {
	for {
		t := p.next.Add(1) - 1
		if t >= p.total {
			return
		}
		p.fn(id, int(t))
	}
}

// run runs tasks 0..n-1 and returns when all are done. Workers are woken
// only when there is more than one task.
func (p *pool) run(n int) {
	if n <= 0 {
		return
	}
	p.total = int64(n)
	p.next.Store(0)
	k := min(len(p.wake), n-1)
	p.tasks.Add(k)
	for i := range k {
		p.wake[i] <- struct{}{}
	}
	p.loop(0)
	p.tasks.Wait()
}

// close stops the workers and waits for them to exit.
func (p *pool) close() {
	for _, c := range p.wake {
		close(c)
	}
	p.alive.Wait()
}
