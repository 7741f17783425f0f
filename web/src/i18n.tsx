// Vietnamese by default, English on request. Every text of the pages is a key of `vi`; `en` must have the same keys
// (TypeScript checks it). API errors carry both languages already: errorText picks the chosen one.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError } from "./api";
import { officeEn, officeVi } from "./messages/office";
import { batchEn, batchVi } from "./messages/batch";
import { adminEn, adminVi } from "./messages/admin";
import { recordEn, recordVi } from "./messages/record";
import { recordsEn, recordsVi } from "./messages/records";

const vi = {
  appName: "Văn bản",
  school: "Trường Chính trị tỉnh",
  skipToContent: "Bỏ qua, tới nội dung chính",
  language: "Ngôn ngữ",
  switchLanguage: "English",
  navDocuments: "Văn bản của tôi",
  navNewDocument: "Tạo văn bản",
  navVerify: "Xác thực văn bản",
  navLogin: "Đăng nhập",
  logout: "Đăng xuất",
  loggedInAs: "Đang đăng nhập",
  loading: "Đang tải…",
  // log in
  loginTitle: "Đăng nhập",
  username: "Tên đăng nhập",
  password: "Mật khẩu",
  loginButton: "Đăng nhập",
  loggingIn: "Đang đăng nhập…",
  sessionEnded: "Phiên làm việc đã kết thúc. Hãy đăng nhập lại.",
  loggedOut: "Bạn đã đăng xuất.",
  // verify
  verifyTitle: "Xác thực văn bản điện tử",
  verifyIntro: "Chọn tệp PDF đã ký số để kiểm tra: ai đã ký, khi nào, chữ ký còn hiệu lực không và văn bản có bị sửa sau khi ký không. Không cần đăng nhập.",
  verifyFile: "Tệp PDF cần xác thực",
  verifyButton: "Xác thực",
  verifying: "Đang kiểm tra…",
  issuedTitle: "Văn bản đã ban hành",
  issuedIntro: "Thông tin văn bản như đã đăng ký khi ban hành. Chọn bản sao bạn có để kiểm tra chữ ký và xem có đúng là tệp đã ban hành không.",
  issuedUnknown: "Không có văn bản đã ban hành nào có mã này.",
  issuedNotation: "Số, ký hiệu",
  issuedBy: "Cơ quan ban hành",
  issuedSubject: "Trích yếu",
  issuedSigners: "Người ký",
  issuedSha256: "Mã băm SHA-256 của tệp",
  sameFile: "Bản sao đúng là tệp đã ban hành (cùng mã băm).",
  otherFile: "Bản sao KHÔNG phải tệp đã ban hành (khác mã băm).",
  verdictValid: "Văn bản hợp lệ: mọi chữ ký còn nguyên vẹn, do người có chứng thư số tin cậy ký và không có thay đổi trái phép sau khi ký.",
  verdictInvalid: "Văn bản KHÔNG hợp lệ: có chữ ký không đạt (xem chi tiết dưới đây).",
  signatureOf: "Chữ ký",
  documentTimestamp: "Dấu thời gian của văn bản",
  signedBy: "Người ký",
  organisation: "Cơ quan, tổ chức",
  signedAt: "Thời điểm ký",
  timestampAt: "Dấu thời gian",
  level: "Mức chữ ký (PAdES)",
  intactYes: "Nội dung được ký còn nguyên vẹn.",
  intactNo: "Nội dung được ký đã bị thay đổi hoặc chữ ký bị hỏng.",
  noChangeAfter: "Không có gì thay đổi sau khi ký.",
  allowedChangeAfter: "Sau khi ký chỉ có những thay đổi được phép (điền số, ngày ban hành, chữ ký tiếp theo).",
  forbiddenChangeAfter: "Sau khi ký có thay đổi KHÔNG được phép.",
  trustedYes: "Chứng thư số do tổ chức chứng thực tin cậy cấp.",
  trustedNo: "Chứng thư số không được tin cậy.",
  revocationGood: "Chứng thư số chưa bị thu hồi.",
  revocationRevoked: "Chứng thư số đã bị thu hồi.",
  revocationUnknown: "Chưa kiểm tra được tình trạng thu hồi của chứng thư số.",
  signatureValid: "Chữ ký hợp lệ",
  signatureInvalid: "Chữ ký không hợp lệ",
  noSignatures: "Văn bản chưa có chữ ký.",
  // documents
  documentsTitle: "Văn bản của tôi",
  filters: "Lọc",
  status: "Trạng thái",
  type: "Loại văn bản",
  any: "Tất cả",
  numberNotation: "Số, ký hiệu",
  dateFrom: "Từ ngày",
  dateTo: "Đến ngày",
  dateHint: "dd/mm/yyyy",
  apply: "Lọc",
  clear: "Xóa lọc",
  date: "Ngày",
  open: "Mở",
  noDocuments: "Không có văn bản nào.",
  previous: "Trang trước",
  next: "Trang sau",
  pageOf: "Trang {page}/{pages} — {total} văn bản",
  badDate: "Ngày phải có dạng dd/mm/yyyy",
  // a document
  documentTitle: "Văn bản",
  metadata: "Thông tin",
  template: "Mẫu",
  workflow: "Quy trình",
  workflowDirect: "Ban hành ngay",
  workflowReview: "Trình ký",
  requestedAt: "Ngày tạo",
  issuedOn: "Ngày ban hành",
  signers: "Người ký",
  rejected: "Bị trả lại",
  reason: "Lý do",
  pages: "Các trang",
  pageAlt: "Trang {n} của văn bản",
  noPdfYet: "Văn bản chưa có tệp PDF.",
  downloads: "Tải về",
  downloadPdf: "Tải PDF",
  downloadDocx: "Tải DOCX",
  signaturesTitle: "Chữ ký số",
  historyTitle: "Lịch sử",
  when: "Thời điểm",
  who: "Người thực hiện",
  what: "Việc",
  // new document
  newTitle: "Tạo văn bản",
  chooseTemplate: "Chọn mẫu văn bản",
  chooseTemplatePrompt: "— chọn mẫu —",
  askReview: "Xem bản dự thảo và trình ký trước khi ban hành (mẫu này thường được ban hành ngay)",
  formIntro: "Biểu mẫu đã điền sẵn theo ví dụ; hãy sửa cho đúng. Ngày ghi theo dạng dd/mm/yyyy.",
  createButton: "Tạo văn bản",
  creating: "Đang gửi…",
  fixErrors: "Có trường chưa đúng; hãy sửa theo ghi chú tại từng trường.",
  progress: "Tiến độ",
  jobQueued: "Đang chờ xử lý",
  jobRunning: "Đang tạo văn bản",
  jobSucceeded: "Đã xong",
  jobFailed: "Không tạo được văn bản",
  draftReady: "Bản dự thảo đã sẵn sàng. Hãy xem lại trước khi trình ký.",
  issuedReady: "Văn bản đã được cấp số, ký số và ban hành.",
  viewDocument: "Xem văn bản",
  chooseSigners: "Chọn người ký (theo thứ tự ký)",
  signerN: "Người ký thứ {n}",
  addSigner: "Thêm người ký",
  removeSigner: "Bỏ người ký này",
  submitButton: "Trình ký",
  submitted: "Đã trình ký. Văn bản đang chờ ký.",
  none: "(không)",
  addItem: "Thêm dòng",
  addField: "Thêm trường",
  removeItem: "Xóa dòng",
  moveUp: "Lên",
  moveDown: "Xuống",
  required: "bắt buộc",
  notFound: "Không có trang này.",
  home: "Về trang đầu",
  ...officeVi,
  ...batchVi,
  ...adminVi,
  ...recordVi,
  ...recordsVi,
};

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  appName: "Documents",
  school: "Provincial Political School",
  skipToContent: "Skip to main content",
  language: "Language",
  switchLanguage: "Tiếng Việt",
  navDocuments: "My documents",
  navNewDocument: "New document",
  navVerify: "Verify a document",
  navLogin: "Log in",
  logout: "Log out",
  loggedInAs: "Logged in as",
  loading: "Loading…",
  loginTitle: "Log in",
  username: "Username",
  password: "Password",
  loginButton: "Log in",
  loggingIn: "Logging in…",
  sessionEnded: "Your session ended. Please log in again.",
  loggedOut: "You are logged out.",
  verifyTitle: "Verify an electronic document",
  verifyIntro: "Choose a digitally signed PDF to check who signed it, when, whether the signatures hold and whether it was changed after signing. No login needed.",
  verifyFile: "PDF file to verify",
  verifyButton: "Verify",
  verifying: "Checking…",
  issuedTitle: "Issued document",
  issuedIntro: "The document as registered when it was issued. Choose your copy to check its signatures and whether it is the very file issued.",
  issuedUnknown: "No issued document has this code.",
  issuedNotation: "Number",
  issuedBy: "Issuing body",
  issuedSubject: "Subject",
  issuedSigners: "Signed by",
  issuedSha256: "SHA-256 of the file",
  sameFile: "The copy is the very file issued (same hash).",
  otherFile: "The copy is NOT the file issued (another hash).",
  verdictValid: "The document is valid: every signature is intact, made with a trusted certificate, and nothing was changed without permission after signing.",
  verdictInvalid: "The document is NOT valid: a signature fails (see the details below).",
  signatureOf: "Signature",
  documentTimestamp: "Document timestamp",
  signedBy: "Signed by",
  organisation: "Organisation",
  signedAt: "Signed at",
  timestampAt: "Timestamp",
  level: "Signature level (PAdES)",
  intactYes: "The signed content is intact.",
  intactNo: "The signed content was changed, or the signature is broken.",
  noChangeAfter: "Nothing was changed after signing.",
  allowedChangeAfter: "After signing there were only allowed changes (number, date of issue, further signatures).",
  forbiddenChangeAfter: "After signing there were changes that are NOT allowed.",
  trustedYes: "The certificate was issued by a trusted certification authority.",
  trustedNo: "The certificate is not trusted.",
  revocationGood: "The certificate is not revoked.",
  revocationRevoked: "The certificate is revoked.",
  revocationUnknown: "The certificate's revocation status could not be checked.",
  signatureValid: "Valid signature",
  signatureInvalid: "Invalid signature",
  noSignatures: "The document has no signature yet.",
  documentsTitle: "My documents",
  filters: "Filters",
  status: "Status",
  type: "Document type",
  any: "Any",
  numberNotation: "Number, notation",
  dateFrom: "From",
  dateTo: "To",
  dateHint: "dd/mm/yyyy",
  apply: "Filter",
  clear: "Clear",
  date: "Date",
  open: "Open",
  noDocuments: "No documents.",
  previous: "Previous page",
  next: "Next page",
  pageOf: "Page {page}/{pages} — {total} documents",
  badDate: "A date is written dd/mm/yyyy",
  documentTitle: "Document",
  metadata: "Details",
  template: "Template",
  workflow: "Workflow",
  workflowDirect: "Issued at once",
  workflowReview: "Review and signing",
  requestedAt: "Requested on",
  issuedOn: "Issued on",
  signers: "Signers",
  rejected: "Rejected",
  reason: "Reason",
  pages: "Pages",
  pageAlt: "Page {n} of the document",
  noPdfYet: "The document has no PDF yet.",
  downloads: "Downloads",
  downloadPdf: "Download PDF",
  downloadDocx: "Download DOCX",
  signaturesTitle: "Digital signatures",
  historyTitle: "History",
  when: "When",
  who: "Who",
  what: "What",
  newTitle: "New document",
  chooseTemplate: "Choose a template",
  chooseTemplatePrompt: "— choose a template —",
  askReview: "See a draft and send it for signature before it is issued (this template is usually issued at once)",
  formIntro: "The form is filled from the example; correct it. Dates are written dd/mm/yyyy.",
  createButton: "Create the document",
  creating: "Sending…",
  fixErrors: "Some fields are wrong; correct them as noted at each field.",
  progress: "Progress",
  jobQueued: "Waiting",
  jobRunning: "Making the document",
  jobSucceeded: "Done",
  jobFailed: "The document could not be made",
  draftReady: "The draft is ready. Review it before sending it for signature.",
  issuedReady: "The document was numbered, signed and issued.",
  viewDocument: "Open the document",
  chooseSigners: "Choose the signers (in signing order)",
  signerN: "Signer {n}",
  addSigner: "Add a signer",
  removeSigner: "Remove this signer",
  submitButton: "Send for signature",
  submitted: "Sent for signature. The document waits for its signers.",
  none: "(none)",
  addItem: "Add a row",
  addField: "Add a field",
  removeItem: "Remove the row",
  moveUp: "Up",
  moveDown: "Down",
  required: "required",
  notFound: "No such page.",
  home: "Home",
  ...officeEn,
  ...batchEn,
  ...adminEn,
  ...recordEn,
  ...recordsEn,
};

export type Lang = "vi" | "en";
const MESSAGES: Record<Lang, Record<MessageKey, string>> = { vi, en };
/** A document's statuses in the order of its life, as `recordVi` names them (the list's filter offers them so). */
export const STATUSES = Object.keys(recordVi)
  .filter((key) => key.startsWith("status_"))
  .map((key) => key.slice("status_".length));

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
  errorText: (error: unknown) => string;
  statusText: (status: string) => string;
  actionText: (action: string) => string;
}

const I18nContext = createContext<I18n | null>(null);
const STORAGE_KEY = "vanban.lang"; // the chosen language only: no secret is ever kept in the browser

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "vi"));
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[lang];
    /** The message `<kind>_<value>` of a value the API names (a status, an action); one it does not know: as named. */
    const word = (kind: "status" | "action", value: string) => {
      const key = `${kind}_${value}`;
      return key in messages ? messages[key as MessageKey] : value;
    };
    return {
      lang,
      setLang,
      t: (key, values) =>
        Object.entries(values ?? {}).reduce((s, [k, v]) => s.replace(`{${k}}`, String(v)), messages[key]),
      errorText: (error) =>
        error instanceof ApiError
          ? lang === "vi"
            ? error.messageVi
            : error.messageEn
          : String(error instanceof Error ? error.message : error),
      statusText: (status) => word("status", status),
      actionText: (action) => word("action", action),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside LanguageProvider");
  return value;
}
