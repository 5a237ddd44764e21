// Plain float64 reference of diffusers' VQModel encode (Encoder → quant_conv → nearest code) and decode
// (codebook → post_quant_conv → Decoder → clip), written as naive loops. It shares nothing with
// engine/graphs/vq.ts; it reads the raw config JSON and looks weights up by diffusers' parameter names.

export interface Map3 {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

export type Weights = (name: string) => Float64Array;

interface RawConfig {
  block_out_channels: number[];
  layers_per_block: number;
  latent_channels: number;
  vq_embed_dim?: number | null;
  num_vq_embeddings: number;
  norm_num_groups: number;
  mid_block_add_attention?: boolean;
}

const EPS = 1e-6;

function zeros(c: number, h: number, w: number): Map3 {
  return { c, h, w, data: new Float64Array(c * h * w) };
}

/** Conv2d with explicit padding (top, left, bottom, right) and stride. */
export function conv2d(
  x: Map3,
  weight: Float64Array,
  bias: Float64Array,
  cout: number,
  k: number,
  stride = 1,
  pad = [(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2],
): Map3 {
  const [top, left, bottom, right] = pad as [number, number, number, number];
  const oh = Math.floor((x.h + top + bottom - k) / stride) + 1;
  const ow = Math.floor((x.w + left + right - k) / stride) + 1;
  const out = zeros(cout, oh, ow);
  for (let co = 0; co < cout; co++) {
    const plane = co * oh * ow;
    out.data.fill(bias[co] as number, plane, plane + oh * ow);
    for (let ci = 0; ci < x.c; ci++) {
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const wv = weight[((co * x.c + ci) * k + ky) * k + kx] as number;
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * stride + ky - top;
            if (iy < 0 || iy >= x.h) continue;
            const row = (ci * x.h + iy) * x.w;
            const orow = plane + oy * ow;
            for (let ox = 0; ox < ow; ox++) {
              const ix = ox * stride + kx - left;
              if (ix < 0 || ix >= x.w) continue;
              out.data[orow + ox] = (out.data[orow + ox] as number) + wv * (x.data[row + ix] as number);
            }
          }
        }
      }
    }
  }
  return out;
}

export function groupNorm(x: Map3, gamma: Float64Array, beta: Float64Array, groups: number): Map3 {
  const out = zeros(x.c, x.h, x.w);
  const per = (x.c / groups) * x.h * x.w;
  const plane = x.h * x.w;
  for (let g = 0; g < groups; g++) {
    const start = g * per;
    let mean = 0;
    for (let i = 0; i < per; i++) mean += x.data[start + i] as number;
    mean /= per;
    let variance = 0;
    for (let i = 0; i < per; i++) variance += ((x.data[start + i] as number) - mean) ** 2;
    variance /= per;
    const inv = 1 / Math.sqrt(variance + EPS);
    for (let i = 0; i < per; i++) {
      const c = Math.floor((start + i) / plane);
      out.data[start + i] =
        ((x.data[start + i] as number) - mean) * inv * (gamma[c] as number) + (beta[c] as number);
    }
  }
  return out;
}

export function silu(x: Map3): Map3 {
  const out = zeros(x.c, x.h, x.w);
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i] as number;
    out.data[i] = v / (1 + Math.exp(-v));
  }
  return out;
}

export function upsampleNearest2x(x: Map3): Map3 {
  const out = zeros(x.c, x.h * 2, x.w * 2);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < out.h; y++)
      for (let xx = 0; xx < out.w; xx++)
        out.data[(c * out.h + y) * out.w + xx] = x.data[(c * x.h + (y >> 1)) * x.w + (xx >> 1)] as number;
  return out;
}

function add(a: Map3, b: Map3): Map3 {
  const out = zeros(a.c, a.h, a.w);
  for (let i = 0; i < a.data.length; i++) out.data[i] = (a.data[i] as number) + (b.data[i] as number);
  return out;
}

export class NaiveVq {
  private readonly embed: number;

  constructor(
    private readonly config: RawConfig,
    private readonly weights: Weights,
  ) {
    this.embed = config.vq_embed_dim ?? config.latent_channels;
  }

  private conv(x: Map3, name: string, cout: number, k: number, stride = 1, pad?: number[]): Map3 {
    return conv2d(x, this.weights(`${name}.weight`), this.weights(`${name}.bias`), cout, k, stride, pad);
  }

  private norm(x: Map3, name: string): Map3 {
    return groupNorm(
      x,
      this.weights(`${name}.weight`),
      this.weights(`${name}.bias`),
      this.config.norm_num_groups,
    );
  }

  private resnet(x: Map3, name: string, cout: number): Map3 {
    let h = this.conv(silu(this.norm(x, `${name}.norm1`)), `${name}.conv1`, cout, 3);
    h = this.conv(silu(this.norm(h, `${name}.norm2`)), `${name}.conv2`, cout, 3);
    const shortcut = x.c === cout ? x : this.conv(x, `${name}.conv_shortcut`, cout, 1);
    return add(shortcut, h);
  }

  private linear(tokens: Float64Array, n: number, name: string): Float64Array {
    const c = tokens.length / n;
    const w = this.weights(`${name}.weight`);
    const b = this.weights(`${name}.bias`);
    const out = new Float64Array(n * c);
    for (let t = 0; t < n; t++)
      for (let o = 0; o < c; o++) {
        let acc = b[o] as number;
        for (let i = 0; i < c; i++) acc += (w[o * c + i] as number) * (tokens[t * c + i] as number);
        out[t * c + o] = acc;
      }
    return out;
  }

  /** Single-head self-attention over the cells, as UNetMidBlock2D's Attention; residual added. */
  private attention(x: Map3, name: string): Map3 {
    const n = x.h * x.w;
    const c = x.c;
    const normed = this.norm(x, `${name}.group_norm`);
    const tokens = new Float64Array(n * c);
    for (let t = 0; t < n; t++)
      for (let i = 0; i < c; i++) tokens[t * c + i] = normed.data[i * n + t] as number;
    const names = this.attentionNames(name);
    const q = this.linear(tokens, n, names[0]);
    const k = this.linear(tokens, n, names[1]);
    const v = this.linear(tokens, n, names[2]);
    const mixed = new Float64Array(n * c);
    for (let t = 0; t < n; t++) {
      const scores = new Float64Array(n);
      for (let s = 0; s < n; s++) {
        let dot = 0;
        for (let i = 0; i < c; i++) dot += (q[t * c + i] as number) * (k[s * c + i] as number);
        scores[s] = dot / Math.sqrt(c);
      }
      const max = Math.max(...scores);
      let sum = 0;
      for (let s = 0; s < n; s++) sum += scores[s] = Math.exp((scores[s] as number) - max);
      for (let s = 0; s < n; s++)
        for (let i = 0; i < c; i++)
          mixed[t * c + i] =
            (mixed[t * c + i] as number) + ((scores[s] as number) / sum) * (v[s * c + i] as number);
    }
    const out = this.linear(mixed, n, names[3]);
    const result = zeros(c, x.h, x.w);
    for (let t = 0; t < n; t++)
      for (let i = 0; i < c; i++)
        result.data[i * n + t] = (out[t * c + i] as number) + (x.data[i * n + t] as number);
    return result;
  }

  private attentionNames(name: string): [string, string, string, string] {
    try {
      this.weights(`${name}.to_q.weight`);
      return [`${name}.to_q`, `${name}.to_k`, `${name}.to_v`, `${name}.to_out.0`];
    } catch {
      return [`${name}.query`, `${name}.key`, `${name}.value`, `${name}.proj_attn`];
    }
  }

  private midBlock(x: Map3, name: string): Map3 {
    let h = this.resnet(x, `${name}.resnets.0`, x.c);
    if (this.config.mid_block_add_attention !== false) h = this.attention(h, `${name}.attentions.0`);
    return this.resnet(h, `${name}.resnets.1`, x.c);
  }

  /** image: [3, H, W] in [0, 1]. */
  encode(image: Map3): { latents: Map3; indices: Int32Array; margins: Float64Array } {
    const ch = this.config.block_out_channels;
    let x = this.conv(image, 'encoder.conv_in', ch[0] as number, 3);
    ch.forEach((c, i) => {
      for (let j = 0; j < this.config.layers_per_block; j++)
        x = this.resnet(x, `encoder.down_blocks.${i}.resnets.${j}`, c);
      if (i < ch.length - 1)
        x = this.conv(x, `encoder.down_blocks.${i}.downsamplers.0.conv`, c, 3, 2, [0, 0, 1, 1]);
    });
    x = this.midBlock(x, 'encoder.mid_block');
    x = this.conv(
      silu(this.norm(x, 'encoder.conv_norm_out')),
      'encoder.conv_out',
      this.config.latent_channels,
      3,
    );
    const latents = this.conv(x, 'quant_conv', this.embed, 1);

    const codebook = this.weights('quantize.embedding.weight');
    const cells = latents.h * latents.w;
    const indices = new Int32Array(cells);
    const margins = new Float64Array(cells); // distance gap between the best and second-best code
    for (let n = 0; n < cells; n++) {
      let best = Number.POSITIVE_INFINITY;
      let second = Number.POSITIVE_INFINITY;
      for (let k = 0; k < this.config.num_vq_embeddings; k++) {
        let d = 0;
        for (let c = 0; c < this.embed; c++) {
          d += ((latents.data[c * cells + n] as number) - (codebook[k * this.embed + c] as number)) ** 2;
        }
        if (d < best) {
          second = best;
          best = d;
          indices[n] = k;
        } else if (d < second) second = d;
      }
      margins[n] = second - best;
    }
    return { latents, indices, margins };
  }

  /** indices row-major rows × cols → image [3, H, W] clipped to [0, 1]. */
  decode(indices: ArrayLike<number>, rows: number, cols: number): Map3 {
    const codebook = this.weights('quantize.embedding.weight');
    const quant = zeros(this.embed, rows, cols);
    for (let n = 0; n < rows * cols; n++)
      for (let c = 0; c < this.embed; c++)
        quant.data[c * rows * cols + n] = codebook[(indices[n] as number) * this.embed + c] as number;
    let x = this.conv(quant, 'post_quant_conv', this.config.latent_channels, 1);
    const rev = [...this.config.block_out_channels].reverse();
    x = this.conv(x, 'decoder.conv_in', rev[0] as number, 3);
    x = this.midBlock(x, 'decoder.mid_block');
    rev.forEach((c, i) => {
      for (let j = 0; j <= this.config.layers_per_block; j++)
        x = this.resnet(x, `decoder.up_blocks.${i}.resnets.${j}`, c);
      if (i < rev.length - 1)
        x = this.conv(upsampleNearest2x(x), `decoder.up_blocks.${i}.upsamplers.0.conv`, c, 3);
    });
    x = this.conv(silu(this.norm(x, 'decoder.conv_norm_out')), 'decoder.conv_out', 3, 3);
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.min(1, Math.max(0, x.data[i] as number));
    return x;
  }
}
