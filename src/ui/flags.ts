// Flags shared by several commands.
import {Flags} from '@oclif/core';

export const pathFlag = Flags.string({char: 'p', description: 'function folder (holds fn.yaml)', default: '.'});
