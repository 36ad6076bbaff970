package codec

// LossyTiles returns how many tiles the receiver of this encoder's
// messages shows lossy (JPEG) and not yet refined to lossless. While it is
// above 0, keep calling Encode (even with an unchanged frame): the
// refinement is sent once those tiles have been still for the refine
// delay. Call it between Encodes, from the goroutine that calls Encode.
func (e *Encoder) LossyTiles() int { return e.lossyN }
