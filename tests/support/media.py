"""Audio for the test videos: a tone muxed into a real AAC stream as a camera or an editor's
export carries one."""
import av


def mux_tone(container, sound, samples):
    """Encode `samples` (float32 mono at 48 kHz, -1..1) into the audio stream `sound` of the
    open `container` in blocks of 1024 samples, then flush the encoder."""
    for start in range(0, samples.size, 1024):
        block = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="fltp", layout="mono")
        block.sample_rate, block.pts = 48000, start
        container.mux(sound.encode(block))
    container.mux(sound.encode(None))
