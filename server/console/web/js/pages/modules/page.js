// A module's pages: #/modules/<name>/<commune>[/<onglet>] loads js/pages/modules/<name>/
// index.js, which the server embeds from server/modules/<name>/console/ for every module
// of server/modules/modules.cmake. Only a module the user may open (GET /api/v1/modules)
// is loaded; the server checks every request anyway.
import {ApiError} from '../../api.js';
import {opens} from './nav.js';

export async function render(view, params, query) {
  if (!opens(params.module, params.tenant)) throw new ApiError(404, '', '');
  const page = await import(`./${params.module}/index.js`);
  await page.render(view, params, query);
}
