// Package codecbench measures deskhand's codec against baseline codecs on
// recorded screen corpora: bytes per frame, encode and decode times, and, for
// lossy codecs, PSNR. It implements `bench codec` (Run) and exports the pieces
// the report reuses (LoadCorpus, DefaultCodecs, RunCorpus).
//
// A corpus is a directory of consecutive 1080p screen frames stored as PNG
// files 000000.png, 000001.png, ... (what `bench record` writes). All frames
// are decoded into memory before anything is timed, so disk and PNG decoding
// never count.
//
// Every codec runs on the whole sequence in order, as a screen-sharing session
// would. A codec is a FrameCodec (coded frame by frame in this process, each
// call timed) or a SequenceCodec (an external encoder such as ffmpeg that
// codes the whole sequence at once; its times are averages). Lossless codecs
// must rebuild every frame exactly (RGB): RunCorpus fails, naming the codec
// and the frame, when one does not. Lossy codecs get PSNR instead.
//
// Frame 0 is also measured alone as a key frame (KeyFrame): coded several
// times on one warm encoder and decoder, checked like any frame, and compared
// with s2's encode time and zstd-fastest's size in the same run.
//
// Import policy: codecbench uses deskhand only through its public codec
// package. It must never import rdp, capture backends, pion, cgo or another
// bench package; ffmpeg is run as a separate process, never linked.
package codecbench
