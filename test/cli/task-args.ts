// The arguments of the CLI tests' usual task runs, without the flags a test adds after them.

/** `dimoo imagine` drawing "a fox" of `side`². */
export const imagineAFox = (side: number): string[] => [
  'imagine',
  '--prompt',
  'a fox',
  '--width',
  String(side),
  '--height',
  String(side),
];

/** `dimoo describe` of `image` with the shortest answer: two tokens in one block. */
export const describeBriefly = (image: string): string[] => [
  'describe',
  '--image',
  image,
  '--gen-length',
  '2',
  '--block-length',
  '2',
];
