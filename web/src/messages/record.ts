// The words of a document's record as the API names them: its status (trạng thái) and the actions of its history
// (thao tác), as `status_<status>` and `action_<action>` (Vietnamese first; English has the same keys).
export const recordVi = {
  status_requested: "Đang tạo",
  status_numbered: "Đã cấp số",
  status_draft: "Dự thảo",
  status_submitted: "Chờ ký",
  status_rejected: "Bị trả lại",
  status_signed: "Đã ký, chờ ban hành",
  status_issued: "Đã ban hành",
  status_failed: "Lỗi",
  action_request: "Yêu cầu tạo văn bản",
  action_render: "Tạo tệp văn bản",
  action_submit: "Trình ký",
  action_sign: "Ký số",
  action_reject: "Trả lại",
  action_issue: "Cấp số và ban hành",
  action_download: "Tải về",
  action_metadata: "Quyết định độ khẩn, thời hạn bảo quản",
};

export const recordEn: Record<keyof typeof recordVi, string> = {
  status_requested: "Being made",
  status_numbered: "Numbered",
  status_draft: "Draft",
  status_submitted: "Waiting for signature",
  status_rejected: "Rejected",
  status_signed: "Signed, waiting to be issued",
  status_issued: "Issued",
  status_failed: "Failed",
  action_request: "Requested",
  action_render: "Rendered",
  action_submit: "Sent for signature",
  action_sign: "Signed",
  action_reject: "Rejected",
  action_issue: "Numbered and issued",
  action_download: "Downloaded",
  action_metadata: "Priority or retention decided",
};
