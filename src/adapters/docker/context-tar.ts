// The build context as one tar stream: each source folder's listed files under its prefix (tar-fs),
// then fn's generated files. Owners are root and modes are 644/755, as the docker CLI sends them,
// so the engine's layer cache does not depend on who checked the files out or their umask.
import type {Readable} from 'node:stream';
import type tarFs from 'tar-fs';
import type {Pack} from 'tar-stream';
import type {BuildContext} from '../../core/build-context.js';
import {loadTarFs} from './dockerode.js';

type Header = {name: string; mode?: number; uid?: number; gid?: number; uname?: string; gname?: string; type?: string};

function normalize(prefix: string) {
  return (header: Header): Header => {
    header.name = prefix + header.name;
    header.uid = 0;
    header.gid = 0;
    header.uname = '';
    header.gname = '';
    if (header.type === 'directory') header.mode = 0o755;
    else if (header.type === 'file') header.mode = (header.mode ?? 0) & 0o111 ? 0o755 : 0o644;
    return header;
  };
}

export function contextTar(context: BuildContext): Readable {
  if (context.sources.length === 0) throw new Error('a build context needs at least one source folder');
  const addGenerated = (pack: Pack) => {
    for (const file of context.generated) pack.entry({name: file.name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0}, file.content);
    pack.finalize();
  };
  // Sources one after the other into the same tar; the generated files close it.
  const packSource = (index: number, into?: Pack): Pack => {
    const source = context.sources[index];
    return loadTarFs().pack(source.root, {
      pack: into,
      entries: source.files,
      map: normalize(source.prefix),
      finalize: false,
      finish: (pack: Pack) => (index + 1 < context.sources.length ? packSource(index + 1, pack) : addGenerated(pack)),
    } as unknown as tarFs.PackOptions) as unknown as Pack;
  };
  return packSource(0) as unknown as Readable;
}
