// The Registry view: ECR repositories → their images (tags, digest, size, push time), read with
// DescribeRepositories and DescribeImages as the logged-in identity.
import { useEffect, useState } from 'preact/hooks';
import { ErrorLine, formatBytes, html, useAction } from './common.js';
import { ecrJson } from './service-json.js';

interface Repository { repositoryName: string; repositoryUri: string; createdAt: number }
interface ImageDetail { imageDigest: string; imageTags?: string[]; imageSizeInBytes: number; imagePushedAt: number }

/** ECR timestamps are epoch seconds. */
function formatEpochSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

function RepositoryImages({ repository }: { repository: Repository }) {
  const [images, setImages] = useState<ImageDetail[]>([]);
  const [error, run] = useAction();
  useEffect(() => {
    void run(async () => setImages((await ecrJson<{ imageDetails: ImageDetail[] }>('DescribeImages', { repositoryName: repository.repositoryName })).imageDetails));
  }, [repository.repositoryName]);
  return html`<div class="repository" data-repository=${repository.repositoryName}><h3>${repository.repositoryName}</h3>
    <p class="uri">${repository.repositoryUri} · created ${formatEpochSeconds(repository.createdAt)}</p><${ErrorLine} error=${error} />
    ${images.length === 0 ? html`<p class="empty">No images.</p>` : html`<table><thead><tr><th>Tags</th><th>Digest</th><th>Size</th><th>Pushed</th></tr></thead>
      <tbody>${images.map((image) => html`<tr data-digest=${image.imageDigest}><td>${(image.imageTags ?? []).join(', ') || '(untagged)'}</td>
        <td class="digest">${image.imageDigest}</td><td>${formatBytes(image.imageSizeInBytes)}</td><td>${formatEpochSeconds(image.imagePushedAt)}</td></tr>`)}</tbody></table>`}</div>`;
}

export function RegistryView() {
  const [repositories, setRepositories] = useState<Repository[]>([]);
  // Bumped by each load, so that Refresh reads every repository's images again too.
  const [generation, setGeneration] = useState(0);
  const [error, run] = useAction();
  const load = () => run(async () => {
    setRepositories((await ecrJson<{ repositories: Repository[] }>('DescribeRepositories', {})).repositories);
    setGeneration((value) => value + 1);
  });
  useEffect(() => { void load(); }, []);
  return html`<section aria-label="Registry"><h2>Registry repositories</h2><div class="bar"><button type="button" onClick=${load}>Refresh</button></div>
    <${ErrorLine} error=${error} />${repositories.length === 0 && error === '' ? html`<p>No repositories.</p>` : null}
    ${repositories.map((repository) => html`<${RepositoryImages} key=${`${repository.repositoryName}:${generation}`} repository=${repository} />`)}</section>`;
}
